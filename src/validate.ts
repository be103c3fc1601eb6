/**
 * One place for checking what users give: audit options in audit files, and the command line. Every
 * failure is an AuditConfigError (exit 2) whose message names what was wrong and what was given.
 */

/** A mistake in an audit's options or the command line: the run stops with exit code 2. */
export class AuditConfigError extends Error {
  override name = 'AuditConfigError';
}

/** `value` if it is a positive safe integer; otherwise "<what> must be a positive integer, got <value>". */
export function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new AuditConfigError(`${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** `value` if it is a finite number above 0; `of` names its unit in the message ("bytes"). */
export function positiveNumber(what: string, value: unknown, of = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AuditConfigError(`${what} must be a positive number${of ? ` of ${of}` : ''}, got ${String(value)}`);
  }
  return value;
}

/** A number on the command line: `1e6`, `36e6` and `1_000_000` all read. */
export function numberArg(option: string, text: string): number {
  const value = Number(text.replaceAll('_', ''));
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new AuditConfigError(`${option}: expected a number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A positive integer on the command line (`--jobs 2`, `--steps 36e6`). */
export function positiveIntegerArg(option: string, text: string): number {
  const value = numberArg(option, text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AuditConfigError(`${option}: expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A positive number on the command line (`--hang-timeout 0.5`). */
export function positiveNumberArg(option: string, text: string): number {
  const value = numberArg(option, text);
  if (value <= 0) throw new AuditConfigError(`${option}: expected a positive number, got ${JSON.stringify(text)}`);
  return value;
}

/** An integer on the command line, of either sign (`--seed`). */
export function integerArg(option: string, text: string): number {
  const value = numberArg(option, text);
  if (!Number.isSafeInteger(value))
    throw new AuditConfigError(`${option}: expected an integer, got ${JSON.stringify(text)}`);
  return value;
}
