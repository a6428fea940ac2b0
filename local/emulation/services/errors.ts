/**
 * Errors of the local stack. Each says in one line what went wrong and what to do about it,
 * so the CLI can print `error.message` alone, never a stack trace.
 */
import { namedError } from '../../../core/errors';

/** A program the local stack needs (`java`, `mvn`) is not installed or not on `PATH`. */
export class MissingToolError extends namedError('MissingToolError') {
  public constructor(tool: string, hint: string, options?: { cause?: unknown }) {
    super(`${tool} not found on PATH: ${hint}`, options);
  }
}

/** Maven could not fetch the jars of Kafka or DynamoDB Local. */
export class DependencyInstallError extends namedError('DependencyInstallError') {}

/** A service (Kafka, DynamoDB Local) exited or did not become ready before its deadline. */
export class ServiceStartError extends namedError('ServiceStartError') {
  /** `service` (`kafka`, `dynamodb`) names the log that `logTail`, the last lines of it to show the user, comes from. */
  public constructor(service: string, message: string, logTail: string, options?: { cause?: unknown }) {
    super(logTail ? `${message}\n--- from the ${service} log ---\n${logTail}` : message, options);
  }
}

/** The data directory is in use by a local stack that is still running. */
export class DataDirInUseError extends namedError('DataDirInUseError') {}
