/**
 * Errors of the local services. Each says in one line what went wrong and what to do about it,
 * so the CLI can print `error.message` alone, never a stack trace.
 */

/** A program the local stack needs (`java`, `mvn`) is not installed or not on `PATH`. */
export class MissingToolError extends Error {
  public constructor(tool: string, hint: string, options?: { cause?: unknown }) {
    super(`${tool} not found on PATH: ${hint}`, options);
    this.name = 'MissingToolError';
  }
}

/** Maven could not fetch the jars of Kafka or DynamoDB Local. */
export class DependencyInstallError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DependencyInstallError';
  }
}

/** A service (Kafka, DynamoDB Local) exited or did not become ready before its deadline. */
export class ServiceStartError extends Error {
  /** `service` (`kafka`, `dynamodb`) names the log that `logTail`, the last lines of it to show the user, comes from. */
  public constructor(service: string, message: string, logTail: string, options?: { cause?: unknown }) {
    super(logTail ? `${message}\n--- from the ${service} log ---\n${logTail}` : message, options);
    this.name = 'ServiceStartError';
  }
}

/** The data directory is in use by a local stack that is still running. */
export class DataDirInUseError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'DataDirInUseError';
  }
}
