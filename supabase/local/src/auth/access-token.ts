import type { AuthConfig } from "./auth-config.ts";
import type { AuthTx } from "./auth-db.ts";
import type { SigningKeys } from "./keys.ts";
import type { SessionRow } from "./sessions.ts";
import { runCustomAccessTokenHook, type AuthenticationMethod } from "./token-hook.ts";
import type { UserRow } from "./users.ts";

export interface IssuedAccessToken {
  readonly accessToken: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

/**
 * The access token of one session, as GoTrue's GenerateAccessToken builds it
 * (internal/tokens/service.go, v0hooks.AccessTokenClaims): the standard claims, the user's
 * e-mail, phone, metadata and role, aal1 with the password AMR entry of the sign-in that began the
 * session, then through the custom access token hook when one is configured, and signed as the
 * hook returned it.
 */
export async function issueAccessToken(
  tx: AuthTx,
  deps: { keys: SigningKeys; config: AuthConfig; issuer: string },
  grant: { user: UserRow; session: SessionRow; method: AuthenticationMethod; ip?: string },
): Promise<IssuedAccessToken> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const { user, session } = grant;
  const claims: Record<string, unknown> = {
    iss: deps.issuer,
    sub: user.id,
    aud: user.aud,
    exp: issuedAt + deps.config.jwtExpirySeconds,
    iat: issuedAt,
    email: user.email ?? "",
    phone: user.phone ?? "",
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role,
    aal: "aal1",
    amr: [{ method: "password", timestamp: Math.floor(session.created_at.getTime() / 1000) }],
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  };
  const hook = deps.config.customAccessTokenHook;
  const finalClaims = hook
    ? await runCustomAccessTokenHook(tx, hook.functionName, {
      userId: user.id,
      claims,
      authenticationMethod: grant.method,
      ...(grant.ip ? { ip: grant.ip } : {}),
    })
    : claims;
  // The answer's expires_at is the lifetime Auth chose, whatever exp the hook returned (as in GoTrue).
  return { accessToken: await deps.keys.signClaims(finalClaims), expiresAt: claims.exp as number };
}
