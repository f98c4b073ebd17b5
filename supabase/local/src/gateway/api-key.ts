import type { JWTPayload } from "jose";
import type { SigningKeys } from "../auth/keys.ts";

export type ApiKeyRole = "anon" | "service_role";

/**
 * The gateway's check of the `apikey` header (or query parameter on the websocket), as Kong does:
 * only the project's own anon and service_role keys are accepted.
 */
export async function verifyApiKey(keys: SigningKeys, apiKey: string | undefined): Promise<ApiKeyRole | undefined> {
  if (!apiKey) return undefined;
  let claims: JWTPayload;
  try {
    claims = await keys.verify(apiKey);
  } catch {
    return undefined;
  }
  return claims.role === "anon" || claims.role === "service_role" ? claims.role : undefined;
}

/**
 * The role and claims a request runs as, from its `Authorization: Bearer` JWT (PostgREST's rule):
 * no token → anon; an invalid or expired token → an error, never a silent downgrade.
 */
export async function resolveRequestClaims(
  keys: SigningKeys,
  bearer: string | undefined,
): Promise<{ ok: true; role: string; claims: JWTPayload } | { ok: false; message: string }> {
  if (!bearer) return { ok: true, role: "anon", claims: { role: "anon" } };
  try {
    const claims = await keys.verify(bearer);
    const role = typeof claims.role === "string" && claims.role.length > 0 ? claims.role : "anon";
    return { ok: true, role, claims };
  } catch (error) {
    const expired = (error as { code?: string }).code === "ERR_JWT_EXPIRED";
    return { ok: false, message: expired ? "JWT expired" : "invalid JWT" };
  }
}
