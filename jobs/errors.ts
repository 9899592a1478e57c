// User-facing errors: a bad job file, flag or dataset. The CLI prints their message as one
// line and exits 1 (2 for UsageError) without a stack trace; anything else is a bug.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad command line: unknown command or flag, missing or malformed value. Exit code 2. */
export class UsageError extends UserError {}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
