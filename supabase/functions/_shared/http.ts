import type { z } from "zod";
import { toFieldIssues, type FieldIssue } from "@org-bootstrap/shared/bootstrap-request.ts";

/** CORS for the browser frontend: the headers supabase-js sends, plus Idempotency-Key and X-Request-Id (the id its log lines carry). */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, idempotency-key, x-request-id, x-retry-count, traceparent, tracestate, baggage",
  "access-control-expose-headers": "x-request-id, retry-after, server-timing",
  "access-control-max-age": "600",
};

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS_HEADERS, "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/**
 * Where a request's time went, sent as `Server-Timing` (shown by browsers' network panels and read by
 * the benchmark): durations in milliseconds of the phases on the answer's path, no payloads or ids.
 */
export class ServerTiming {
  readonly #entries: string[] = [];
  #last = performance.now();

  /** Closes the phase that began at the previous mark (or at construction). */
  mark(name: string): void {
    const now = performance.now();
    this.#entries.push(`${name};dur=${(now - this.#last).toFixed(2)}`);
    this.#last = now;
  }

  header(): Record<string, string> {
    return this.#entries.length > 0 ? { "server-timing": this.#entries.join(", ") } : {};
  }
}

/** The error codes callers can act on; anything else is a generic 500. */
export type ErrorCode =
  | "invalid_json"
  | "invalid_idempotency_key"
  | "invalid_query"
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "subdomain_taken"
  | "organization_not_active"
  | "deactivation_in_progress"
  | "payload_too_large"
  | "unsupported_media_type"
  | "idempotency_key_reused"
  | "rate_limited"
  | "misconfigured"
  | "internal_error";

/** A user error: the caller can act on it. Carries its HTTP status. */
export class UserError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { issues?: FieldIssue[]; organizationId?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }
}

export function errorResponse(error: UserError, requestId: string): Response {
  const { retryAfterSeconds, ...extra } = error.extra;
  return json(
    error.status,
    { error: { code: error.code, message: error.message, ...extra } },
    { "x-request-id": requestId, ...(retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {}) },
  );
}

/**
 * How much of a too-large body is still read, and dropped, before answering 413. Deno's server
 * closes a connection whose upload was not read to the end, and a proxy still sending it then sees
 * a broken pipe and may answer 502 instead of the 413. Beyond this, the upload is abandoned.
 */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;

/** Reads at most `limit` bytes of the body; a larger one is refused with 413, drained up to DRAIN_LIMIT_BYTES. */
export async function readLimitedText(request: Request, limit: number): Promise<string> {
  const tooLarge = () => new UserError(413, "payload_too_large", `the body must be at most ${limit} bytes`);
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    if (declared <= DRAIN_LIMIT_BYTES) await drain(request.body?.getReader(), 0);
    else await request.body?.cancel();
    throw tooLarge();
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await drain(reader, size);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(400, "invalid_json", "the body is not valid UTF-8");
  }
}

/** Reads and drops the rest of a body until it ends or DRAIN_LIMIT_BYTES have gone by; then gives up on it. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, alreadyRead: number): Promise<void> {
  if (!reader) return;
  let size = alreadyRead;
  while (size <= DRAIN_LIMIT_BYTES) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
  }
  await reader.cancel();
}

/**
 * A JSON request body, validated: 415 unless Content-Type is application/json, 413 over `maxBytes`,
 * 400 `invalid_json` for text that is not JSON, 422 `validation_failed` with each field's issue.
 * `what` names the body in messages ("the form", "the request").
 */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S, maxBytes: number, what: string): Promise<z.output<S>> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new UserError(415, "unsupported_media_type", `send ${what} as Content-Type: application/json`);
  }
  const text = await readLimitedText(request, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UserError(400, "invalid_json", "the body is not valid JSON");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new UserError(422, "validation_failed", `${what} has invalid fields`, { issues: toFieldIssues(parsed.error) });
  }
  return parsed.data;
}
