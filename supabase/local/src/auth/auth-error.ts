import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * An error answer of Supabase Auth (supabase/auth internal/api/apierrors): HTTP status, an
 * error_code from its fixed list (apierrors/errorcode.go) and a message shown to users.
 * supabase-js turns it into AuthApiError with `.code` and `.status`.
 */
export class AuthError extends Error {
  override readonly name = "AuthError";
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    /** Only for weak_password: which checks failed (`length`, `characters`). */
    readonly weakPasswordReasons?: readonly string[],
  ) {
    super(message);
  }
}

/** OAuth-style errors GoTrue keeps for a few token-endpoint cases: 400 `{error, error_description}`. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(readonly error: string, readonly description: string) {
    super(description);
  }
}

export const badRequest = (code: string, message: string) => new AuthError(400, code, message);
export const unprocessable = (code: string, message: string) => new AuthError(422, code, message);
export const forbidden = (code: string, message: string) => new AuthError(403, code, message);
export const internalError = (message: string) => new AuthError(500, "unexpected_failure", message);

const API_VERSION_HEADER = "x-supabase-api-version";
const API_VERSION_2024_01_01 = "2024-01-01";

/**
 * GoTrue's DetermineClosestAPIVersion: a client that sends X-Supabase-Api-Version ≥ 2024-01-01
 * (supabase-js always does) gets `{code: <error_code>, message}` and the version echoed back;
 * anything else gets the original `{code: <status>, error_code, msg}`.
 */
function usesVersion20240101(req: IncomingMessage): boolean {
  const header = req.headers[API_VERSION_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(date) && date >= Date.parse(`${API_VERSION_2024_01_01}T00:00:00Z`);
}

/** Writes `error` the way GoTrue's HandleResponseError does; anything unexpected becomes a bare 500. */
export function sendAuthError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  let status: number;
  let body: Record<string, unknown>;
  if (error instanceof OAuthError) {
    status = 400;
    body = { error: error.error, error_description: error.description };
  } else {
    const known = error instanceof AuthError ? error : internalError("Unexpected failure, please check server logs for more information");
    status = known.status;
    headers["x-sb-error-code"] = known.errorCode;
    const weak = known.weakPasswordReasons ? { weak_password: { reasons: known.weakPasswordReasons } } : {};
    if (usesVersion20240101(req)) {
      headers[API_VERSION_HEADER] = API_VERSION_2024_01_01;
      body = { code: known.errorCode, message: known.message, ...weak };
    } else {
      body = { code: known.status, error_code: known.errorCode, msg: known.message, ...weak };
    }
  }
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}
