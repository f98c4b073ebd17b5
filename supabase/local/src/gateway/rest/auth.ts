import type { IncomingMessage } from "node:http";
import type { JWTPayload } from "jose";
import type { SigningKeys } from "../../auth/keys.ts";
import { resolveRequestClaims, verifyApiKey } from "../api-key.ts";
import { pgrstError, RestError } from "./errors.ts";

export interface Caller {
  readonly role: string;
  readonly claims: JWTPayload;
}

/**
 * The two checks a request passes before it reaches the database, in the order a real project
 * applies them: the gateway (Kong) wants one of the project's API keys; PostgREST then takes the
 * role from the Bearer token (none → anon; invalid or expired → 401, never a silent downgrade).
 */
export async function authenticate(keys: SigningKeys, req: IncomingMessage, url: URL): Promise<Caller> {
  const header = req.headers.apikey;
  const apiKey = typeof header === "string" ? header : url.searchParams.get("apikey") ?? undefined;
  if (!apiKey) {
    throw new RestError(401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." });
  }
  if (!(await verifyApiKey(keys, apiKey))) {
    throw new RestError(401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
  }

  const authorization = req.headers.authorization;
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw jwtError("PGRST301", "Authorization header must be \"Bearer <JWT>\"");
    bearer = match[1];
  }
  const resolved = await resolveRequestClaims(keys, bearer);
  if (!resolved.ok) throw jwtError(resolved.message === "JWT expired" ? "PGRST303" : "PGRST301", resolved.message);
  return { role: resolved.role, claims: resolved.claims };
}

function jwtError(code: string, message: string): RestError {
  return pgrstError(401, code, message, {
    headers: { "www-authenticate": `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"` },
  });
}
