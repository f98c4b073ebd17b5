import pg from "pg";

/** PostgREST's error body: every failure, from Postgres or from the gateway, has these four fields. */
export interface RestErrorBody {
  readonly code: string | null;
  readonly message: string;
  readonly details: string | null;
  readonly hint: string | null;
}

/**
 * Thrown when a request fails with a status and body the caller can act on (a PostgREST `PGRST…`
 * error, a Kong-style API key error, or a mapped Postgres error).
 */
export class RestError extends Error {
  override readonly name = "RestError";
  constructor(
    readonly status: number,
    readonly body: RestErrorBody | { readonly message: string; readonly hint?: string },
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body.message);
  }
}

export function pgrstError(
  status: number,
  code: string,
  message: string,
  extra: { details?: string | null; hint?: string | null; headers?: Record<string, string> } = {},
): RestError {
  return new RestError(status, { code, message, details: extra.details ?? null, hint: extra.hint ?? null }, extra.headers ?? {});
}

/** PGRST100: the query string could not be parsed. */
export function parseError(what: string, input: string, details: string): RestError {
  return pgrstError(400, "PGRST100", `failed to parse ${what} (${input})`, { details });
}

/**
 * PostgREST's SQLSTATE → HTTP status table (docs/errors.rst, "HTTP Status Codes"). Anything not
 * listed is a 400, as in PostgREST; 42501 depends on whether the request carried a role claim.
 */
export function statusForSqlState(code: string, authenticated: boolean): number {
  const exact: Record<string, number> = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    "P0001": 400,
    "42883": 404,
    "42P01": 404,
    "42P17": 500,
    "53400": 500,
    "57P01": 503,
  };
  if (code === "42501") return authenticated ? 403 : 401;
  const hit = exact[code];
  if (hit !== undefined) return hit;
  // PTxyz: a function chose its own HTTP status with `raise sqlstate 'PT402'`.
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  const byClass: Record<string, number> = {
    "08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500, "38": 500, "39": 500,
    "3B": 500, "40": 500, "53": 503, "54": 413, "55": 500, "57": 500, "58": 500, F0: 500, HV: 500, P0: 500, XX: 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

/** Turns a Postgres error into PostgREST's answer: its SQLSTATE, message, detail and hint, unchanged. */
export function fromDatabaseError(error: pg.DatabaseError, role: string): RestError {
  const code = error.code ?? "XX000";
  const status = statusForSqlState(code, role !== "anon");
  return new RestError(status, {
    code,
    message: error.message,
    details: error.detail ?? null,
    hint: error.hint ?? null,
  });
}

export function isDatabaseError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError;
}
