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

/**
 * Checks a bearer token's signature and claims (a Supabase user token: aud, iss, exp, nbf, a UUID
 * sub) and returns its claims; throws TokenRejected otherwise.
 */
export type TokenVerifier = (token: string) => Promise<JWTPayload>;

export class TokenRejected extends Error {
  override readonly name = "TokenRejected";
  constructor(readonly expired: boolean, message: string) {
    super(message);
  }
}

/** Asymmetric algorithms of Supabase's JWT signing keys. */
const PUBLIC_KEY_ALGORITHMS = ["ES256", "RS256", "EdDSA"];
/** Supabase Auth puts `authenticated` in every signed-in user's `aud`. */
export const USER_AUDIENCE = "authenticated";
/** Auth user ids (`sub`) are UUIDs; anything else was not issued for a user by Supabase Auth. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const NOT_VALID = "the access token is not valid";
const EXPIRED = "the access token has expired: sign in again";

/**
 * The claims every user token must carry, whichever way its signature was checked (jose checks the
 * same ones on the paths it verifies; this is the only check of what Auth answered): aud includes
 * `authenticated`, iss is this project's Auth, exp is a number in the future, nbf (when present) is
 * not in the future, iat is a number, and sub is a UUID.
 */
export function requireUserClaims(claims: JWTPayload, issuer: string, nowSeconds = Math.floor(Date.now() / 1000)): JWTPayload {
  const aud = claims.aud;
  if (!(aud === USER_AUDIENCE || (Array.isArray(aud) && aud.includes(USER_AUDIENCE)))) {
    throw new TokenRejected(false, `${NOT_VALID}: it is not meant for this API (aud)`);
  }
  if (claims.iss !== issuer) throw new TokenRejected(false, `${NOT_VALID}: it was not issued by this project's Auth (iss)`);
  if (typeof claims.exp !== "number" || !Number.isFinite(claims.exp)) throw new TokenRejected(false, `${NOT_VALID}: it has no expiry (exp)`);
  if (claims.exp <= nowSeconds) throw new TokenRejected(true, EXPIRED);
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || !(claims.nbf <= nowSeconds))) {
    throw new TokenRejected(false, `${NOT_VALID} yet (nbf)`);
  }
  if (typeof claims.iat !== "number" || !Number.isFinite(claims.iat)) throw new TokenRejected(false, `${NOT_VALID}: it has no issue time (iat)`);
  if (typeof claims.sub !== "string" || !UUID.test(claims.sub)) throw new TokenRejected(false, `${NOT_VALID}: its subject is not a user id (sub)`);
  return claims;
}

export interface VerifierOptions {
  readonly supabaseUrl: string;
  /** The `iss` every token must carry: the project's Auth URL (config AUTH_ISSUER, by default SUPABASE_URL/auth/v1). */
  readonly issuer: string;
  /** SUPABASE_JWKS, parsed; when absent the project's JWKS endpoint is used. */
  readonly projectKeys?: ProjectKeys;
  /** The legacy JWT secret, for projects whose Auth still signs with it (HS256). */
  readonly legacySecret?: Uint8Array;
  /**
   * For an HS256 token when no secret is known here: ask the project's Auth whether the token is
   * valid and return its claims (supabase-js `auth.getClaims`, which calls /auth/v1/user for them).
   * The claims it returns are checked here like any other token's.
   */
  readonly askAuth?: (token: string) => Promise<JWTPayload>;
}

function jwksUrl(supabaseUrl: string): URL {
  return new URL("auth/v1/.well-known/jwks.json", supabaseUrl.endsWith("/") ? supabaseUrl : `${supabaseUrl}/`);
}

function rejected(error: unknown): TokenRejected {
  if (error instanceof TokenRejected) return error;
  if (error instanceof errors.JWTExpired) return new TokenRejected(true, EXPIRED);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const why: Record<string, string> = {
      aud: ": it is not meant for this API (aud)",
      iss: ": it was not issued by this project's Auth (iss)",
      exp: ": it has no expiry (exp)",
      iat: ": it has no issue time (iat)",
      nbf: " yet (nbf)",
      sub: ": its subject is not a user id (sub)",
    };
    return new TokenRejected(false, `${NOT_VALID}${why[error.claim] ?? ""}`);
  }
  return new TokenRejected(false, NOT_VALID);
}

/**
 * Verifies tokens the way the project signs them:
 * - signing keys (ES256, RS256, EdDSA) against SUPABASE_JWKS when it carries public keys, and
 *   against the project's JWKS endpoint otherwise or for a key id it does not know (a key rotated
 *   in after this function started);
 * - the legacy shared secret (HS256) against the secret in SUPABASE_JWKS (`supabase functions serve`
 *   puts it there) or LEGACY_JWT_SECRET, else by asking the project's Auth.
 * jose never lets a public key verify an HS256 token, nor a secret an asymmetric one. Every path,
 * asking Auth included, then requires the same claims (requireUserClaims).
 */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const remote = createRemoteJWKSet(jwksUrl(options.supabaseUrl));
  const publicKeys = options.projectKeys?.publicKeys ?? [];
  const local: JWTVerifyGetKey | undefined = publicKeys.length > 0 ? createLocalJWKSet({ keys: [...publicKeys] }) : undefined;
  const secrets = [...(options.projectKeys?.secrets ?? []), ...(options.legacySecret ? [options.legacySecret] : [])];
  const checks = { audience: USER_AUDIENCE, issuer: options.issuer, requiredClaims: ["exp", "iat", "sub"] };

  async function withPublicKeys(token: string): Promise<JWTPayload> {
    const verifyWith = (keys: JWTVerifyGetKey) => jwtVerify(token, keys, { ...checks, algorithms: PUBLIC_KEY_ALGORITHMS });
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
      if (!options.askAuth) throw new TokenRejected(false, NOT_VALID);
      // Auth vouches for the signature and the session; the claims are still checked below.
      return await options.askAuth(token);
    }
    let last: unknown;
    for (const secret of secrets) {
      try {
        return (await jwtVerify(token, secret, { ...checks, algorithms: ["HS256"] })).payload;
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
      return requireUserClaims(await (alg === "HS256" ? withSecret(token) : withPublicKeys(token)), options.issuer);
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
  // The verifier requires a UUID sub already; checked again so that no verifier can hand over a caller without one.
  if (claims.role !== "authenticated" || typeof claims.sub !== "string" || !UUID.test(claims.sub)) {
    throw new UserError(401, "unauthorized", "a signed-in user's access token is required (an API key is not a user)");
  }
  const appRole = claims[APP_ROLE_CLAIM];
  if (appRole !== adminRole) {
    throw new UserError(403, "forbidden", `only users with ${APP_ROLE_CLAIM} "${adminRole}" may call this function`);
  }
  return {
    userId: claims.sub.toLowerCase(),
    appRole,
    ...(typeof claims.email === "string" ? { email: claims.email } : {}),
  };
}
