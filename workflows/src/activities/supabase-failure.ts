import { ApplicationFailure } from "@temporalio/activity";
import { FailureType } from "../workflows/failure-types.ts";

/**
 * PostgREST answers a client-side problem with 4xx (bad payload 400, constraint 409, permission
 * 401/403, missing function 404): retrying the same call cannot help. 5xx, 408, 429 and "no answer"
 * (supabase-js reports a failed fetch as status 0) may pass with time.
 */
export function supabaseFailure(what: string, status: number, error: { code?: string; message?: string }): ApplicationFailure {
  const transient = status === 0 || status === 408 || status === 429 || status >= 500;
  return ApplicationFailure.create({
    type: transient ? FailureType.EventStoreUnavailable : FailureType.EventStoreRejected,
    message: `${what} failed with HTTP ${status}: ${[error.code, error.message].filter(Boolean).join(" ")}`,
    nonRetryable: !transient,
  });
}
