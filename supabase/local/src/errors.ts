/**
 * Thrown when the stack cannot start for a reason the user can fix.
 * The CLI prints `message` and `fix` on one line each, never a stack trace.
 */
export class StackError extends Error {
  override readonly name = "StackError";
  constructor(message: string, readonly fix: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One line per problem, for a user's terminal. */
export function describeStackError(error: unknown): string {
  if (error instanceof StackError) return `✖ ${error.message}\n  fix: ${error.fix}`;
  const message = error instanceof Error ? error.message : String(error);
  return `✖ unexpected failure: ${message}`;
}
