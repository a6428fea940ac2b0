/**
 * The CLI's errors: each is printed as one line, without a stack trace, and sets the exit code.
 */

/** The command line itself is wrong (unknown command, missing argument): exit code 2 (main.ts). */
export class UsageError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The command could not do its job (API error, unreachable service, bad input): exit code 1 (main.ts). */
export class CliError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'CliError';
  }
}
