import { REQUEST_ID_HEADER, wellFormedRequestId } from "@org-bootstrap/shared/log-line.ts";
import { authorizeAdmin, type Caller, type TokenVerifier } from "./auth.ts";
import type { ServeInfo } from "./direct-start.ts";
import { CORS_HEADERS, ServerTiming, UserError, errorResponse, json } from "./http.ts";
import { IDEMPOTENCY_KEY_PATTERN } from "./identity.ts";
import type { Log } from "./log.ts";

/** One request to a platform-admin endpoint, past its method and token checks. */
export interface AdminRequest {
  readonly request: Request;
  readonly info: ServeInfo | undefined;
  readonly caller: Caller;
  readonly requestId: string;
  /** Started before the token check; `auth` is already marked. */
  readonly timing: ServerTiming;
}

export interface AdminEndpoint {
  /** What a request does, for the log: "bootstrap" logs "bootstrap request failed". */
  readonly what: string;
  /** The methods it serves besides OPTIONS, and the hint a 405 gives. */
  readonly methods: readonly string[];
  readonly methodHint: string;
  readonly adminRole: string;
  readonly verifyToken: TokenVerifier;
  readonly log: Log;
}

/**
 * A function's request handling around its own work: CORS preflight, the method, the caller's token
 * and `app_role`, and the answers nobody has to write twice — a UserError as its 4xx
 * `{error:{code,message}}`, anything else as a logged 500 without internals — each with the request id.
 */
export function adminEndpoint(endpoint: AdminEndpoint, handle: (admin: AdminRequest) => Promise<Response>): (request: Request, info?: ServeInfo) => Promise<Response> {
  const allow = [...endpoint.methods, "OPTIONS"].join(", ");
  return async (request, info) => {
    const requestId = requestIdOf(request);
    try {
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
      if (!endpoint.methods.includes(request.method)) throw new UserError(405, "method_not_allowed", endpoint.methodHint);
      const timing = new ServerTiming();
      const caller = await authorizeAdmin(request, endpoint.verifyToken, endpoint.adminRole);
      timing.mark("auth");
      return await handle({ request, info, caller, requestId, timing });
    } catch (error) {
      if (error instanceof UserError) {
        const response = errorResponse(error, requestId);
        if (error.status === 405) response.headers.set("allow", allow);
        return response;
      }
      endpoint.log.error(`${endpoint.what} request failed`, { requestId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      return json(500, { error: { code: "internal_error", message: "something went wrong on our side; it has been logged", requestId } }, { "x-request-id": requestId });
    }
  };
}

/**
 * The id of this request in every log line it causes, here, in the proxy and (as its correlation_id)
 * on the recorded event: Supabase's gateway's `sb-request-id`, else the caller's `x-request-id`, if
 * well-formed (REQUEST_ID_PATTERN); else a new one. Answered as `x-request-id`.
 */
export function requestIdOf(request: Request): string {
  return wellFormedRequestId(request.headers.get("sb-request-id")) ?? wellFormedRequestId(request.headers.get(REQUEST_ID_HEADER)) ?? crypto.randomUUID();
}

/** The request's Idempotency-Key, if it sent one: 400 unless 1–200 visible ASCII characters. */
export function idempotencyKeyOf(request: Request): string | undefined {
  const key = request.headers.get("idempotency-key");
  if (key === null) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new UserError(400, "invalid_idempotency_key", "Idempotency-Key must be 1–200 visible ASCII characters");
  }
  return key;
}
