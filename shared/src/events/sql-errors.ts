/**
 * The event store's errors as callers see them: a Postgres SQLSTATE in `error.code`, both from `pg`
 * and from supabase-js (PostgREST copies it; 23505/23503 answer HTTP 409, 22023/P0001 HTTP 400,
 * PT422 HTTP 422).
 */
export const SQLSTATE = {
  /** Taken subdomain, duplicate id, or a stream version conflict (see isStreamVersionConflict). */
  uniqueViolation: "23505",
  /** The organization or invitation an event refers to does not exist. */
  foreignKeyViolation: "23503",
  /** event_data lacks a required key, wrong stream type, or a reused idempotency key. */
  invalidParameterValue: "22023",
  /** A transition the current status forbids (e.g. activating a failed organization). */
  raiseException: "P0001",
  /** Append-only: UPDATE/TRUNCATE on domain_events, or DELETE outside the maintenance path. */
  insufficientPrivilege: "42501",
  /**
   * An idempotency key already recorded on the stream for a different request: both events'
   * event_metadata carry `request_hash` and they differ. PostgREST's `PTxyz` form, so REST answers
   * HTTP 422 (the API's `idempotency_key_reused`); from `pg` it is this code and nothing more.
   */
  idempotentRequestMismatch: "PT422",
} as const;

/** The message prefix of the expected-version overload's conflict error. */
export const STREAM_VERSION_CONFLICT = "stream version conflict";

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
}

/** True when an emit with an explicit p_stream_version lost to a concurrent writer: reload and retry. */
export function isStreamVersionConflict(error: unknown): boolean {
  const e = error as ErrorLike | null;
  return e?.code === SQLSTATE.uniqueViolation && typeof e.message === "string" && e.message.startsWith(STREAM_VERSION_CONFLICT);
}
