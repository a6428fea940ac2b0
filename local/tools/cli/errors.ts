/**
 * The CLI's errors: each is printed as one line, without a stack trace, and sets the exit code.
 */
import { namedError } from '../../../core/errors';

/** The command line itself is wrong (unknown command, missing argument): exit code 2 (main.ts). */
export class UsageError extends namedError('UsageError') {}

/** The command could not do its job (API error, unreachable service, bad input): exit code 1 (main.ts). */
export class CliError extends namedError('CliError') {}
