import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { APP_ROLE_CLAIM } from "@org-bootstrap/shared/stack-contract.ts";
import { UserError } from "./http.ts";
import type { ProjectKeys } from "./jwks.ts";

/** The verified caller of a request. */
export interface Caller {
  readonly userId: string;
  readonly email?: string;
  readonly appRole: string;
}

/** Checks a bearer token's signature and expiry and returns its claims; throws TokenRejected otherwise. */
export type TokenVerifier = (token: string) => Promise<JWTPayload>;

export class TokenRejected extends Error {
  override readonly name = "TokenRejected";
  constructor(readonly expired: boolean, message: string) {
    super(message);
  }
}

/** Asymmetric algorithms of Supabase's JWT signing keys. */
const PUBLIC_KEY_ALGORITHMS = ["ES256", "RS256", "EdDSA"];
/** Supabase Auth puts `authenticated` in every signed-in user's `aud`; exp, iat and sub are always there. */
const USER_TOKEN_CHECKS = { audience: "authenticated", requiredClaims: ["exp", "iat", "sub"] };

export interface VerifierOptions {
  readonly supabaseUrl: string;
  /** SUPABASE_JWKS, parsed; when absent the project's JWKS endpoint is used. */
  readonly projectKeys?: ProjectKeys;
  /** The legacy JWT secret, for projects whose Auth still signs with it (HS256). */
  readonly legacySecret?: Uint8Array;
  /**
   * For an HS256 token when no secret is known here: ask the project's Auth whether the token is
   * valid and return its claims (supabase-js `auth.getClaims`, which calls /auth/v1/user for them).
   */
  readonly askAuth?: (token: string) => Promise<JWTPayload>;
}

function jwksUrl(supabaseUrl: string): URL {
  return new URL("auth/v1/.well-known/jwks.json", supabaseUrl.endsWith("/") ? supabaseUrl : `${supabaseUrl}/`);
}

function rejected(error: unknown): TokenRejected {
  if (error instanceof TokenRejected) return error;
  const expired = error instanceof errors.JWTExpired;
  return new TokenRejected(expired, expired ? "the access token has expired: sign in again" : "the access token is not valid");
}

/**
 * Verifies tokens the way the project signs them:
 * - signing keys (ES256, RS256, EdDSA) against SUPABASE_JWKS when it carries public keys, and
 *   against the project's JWKS endpoint otherwise or for a key id it does not know (a key rotated
 *   in after this function started);
 * - the legacy shared secret (HS256) against the secret in SUPABASE_JWKS (`supabase functions serve`
 *   puts it there) or LEGACY_JWT_SECRET, else by asking the project's Auth.
 * jose never lets a public key verify an HS256 token, nor a secret an asymmetric one.
 */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const remote = createRemoteJWKSet(jwksUrl(options.supabaseUrl));
  const publicKeys = options.projectKeys?.publicKeys ?? [];
  const local: JWTVerifyGetKey | undefined = publicKeys.length > 0 ? createLocalJWKSet({ keys: [...publicKeys] }) : undefined;
  const secrets = [...(options.projectKeys?.secrets ?? []), ...(options.legacySecret ? [options.legacySecret] : [])];

  async function withPublicKeys(token: string): Promise<JWTPayload> {
    const verifyWith = (keys: JWTVerifyGetKey) => jwtVerify(token, keys, { ...USER_TOKEN_CHECKS, algorithms: PUBLIC_KEY_ALGORITHMS });
    if (!local) return (await verifyWith(remote)).payload;
    try {
      return (await verifyWith(local)).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return (await verifyWith(remote)).payload;
    }
  }

  async function withSecret(token: string): Promise<JWTPayload> {
    if (secrets.length === 0) {
      if (!options.askAuth) throw new TokenRejected(false, "the access token is not valid");
      const claims = await options.askAuth(token);
      if (claims.aud !== USER_TOKEN_CHECKS.audience && !(Array.isArray(claims.aud) && claims.aud.includes(USER_TOKEN_CHECKS.audience))) {
        throw new TokenRejected(false, "the access token is not valid");
      }
      return claims;
    }
    let last: unknown;
    for (const secret of secrets) {
      try {
        return (await jwtVerify(token, secret, { ...USER_TOKEN_CHECKS, algorithms: ["HS256"] })).payload;
      } catch (error) {
        last = error;
        if (error instanceof errors.JWTExpired) break;
      }
    }
    throw last;
  }

  return async (token) => {
    try {
      const { alg } = decodeProtectedHeader(token);
      return await (alg === "HS256" ? withSecret(token) : withPublicKeys(token));
    } catch (error) {
      throw rejected(error);
    }
  };
}

/**
 * Verifies the bearer token and requires a signed-in user (role `authenticated`) whose `app_role`
 * claim is the admin role. 401 when the caller is unknown, 403 when known but not allowed.
 */
export async function authorizeAdmin(request: Request, verify: TokenVerifier, adminRole: string): Promise<Caller> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,8192})$/i.exec(header);
  if (!match) throw new UserError(401, "unauthorized", "sign in: send Authorization: Bearer <access token>");
  let claims: JWTPayload;
  try {
    claims = await verify(match[1]!);
  } catch (error) {
    throw new UserError(401, "unauthorized", error instanceof TokenRejected ? error.message : "the access token is not valid");
  }
  if (claims.role !== "authenticated" || typeof claims.sub !== "string" || claims.sub === "") {
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
