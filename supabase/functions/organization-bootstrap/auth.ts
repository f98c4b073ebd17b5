import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import { APP_ROLE_CLAIM } from "@org-bootstrap/shared/stack-contract.ts";
import { UserError } from "./http.ts";

/** The verified caller of a request. */
export interface Caller {
  readonly userId: string;
  readonly email?: string;
  readonly appRole: string;
}

/** Asymmetric algorithms Supabase's JWT signing keys use; HS256 (a shared secret) is never accepted here. */
const ALGORITHMS = ["ES256", "RS256", "EdDSA"];

export function jwksFor(supabaseUrl: string, inlineJwks: string | undefined): JWTVerifyGetKey {
  if (inlineJwks) return createLocalJWKSet(JSON.parse(inlineJwks));
  return createRemoteJWKSet(new URL("auth/v1/.well-known/jwks.json", supabaseUrl.endsWith("/") ? supabaseUrl : `${supabaseUrl}/`));
}

/**
 * Verifies the bearer token against the project's JWKS (signature, algorithm, expiry) and
 * requires a signed-in user (role `authenticated`) whose `app_role` is the admin role.
 * 401 when the caller is unknown, 403 when known but not allowed.
 */
export async function authorizeAdmin(request: Request, jwks: JWTVerifyGetKey, adminRole: string): Promise<Caller> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,8192})$/i.exec(header);
  if (!match) throw new UserError(401, "unauthorized", "sign in: send Authorization: Bearer <access token>");
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(match[1]!, jwks, { algorithms: ALGORITHMS }));
  } catch (error) {
    const expired = (error as { code?: string }).code === "ERR_JWT_EXPIRED";
    throw new UserError(401, "unauthorized", expired ? "the access token has expired: sign in again" : "the access token is not valid");
  }
  if (claims.role !== "authenticated" || typeof claims.sub !== "string") {
    throw new UserError(401, "unauthorized", "a signed-in user's access token is required (an API key is not a user)");
  }
  const appRole = claims[APP_ROLE_CLAIM];
  if (appRole !== adminRole) {
    throw new UserError(403, "forbidden", `only users with ${APP_ROLE_CLAIM} "${adminRole}" may bootstrap organizations`);
  }
  return {
    userId: claims.sub,
    appRole,
    ...(typeof claims.email === "string" ? { email: claims.email } : {}),
  };
}
