import type { JWTPayload } from "jose";
import { issueAccessToken } from "./access-token.ts";
import type { AuthConfig } from "./auth-config.ts";
import type { AuthDb, AuthTx } from "./auth-db.ts";
import { AuthError, badRequest, forbidden, unprocessable } from "./auth-error.ts";
import type { SigningKeys } from "./keys.ts";
import { checkPasswordStrength, hashPassword, passwordMatches } from "./passwords.ts";
import { endSessions, exchangeRefreshToken, findSession, startSession, type ClientInfo, type LogoutScope, type SessionRow } from "./sessions.ts";
import type { AuthenticationMethod } from "./token-hook.ts";
import { findUserByEmail, findUserById, insertEmailUser, isBanned, recordSignIn, userJson, type UserRow } from "./users.ts";

export interface Credentials {
  readonly email?: string;
  readonly phone?: string;
  readonly password?: string;
}

/** GoTrue's AccessTokenResponse, which supabase-js turns into a Session. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: "bearer";
  readonly expires_in: number;
  readonly expires_at: number;
  readonly refresh_token: string;
  readonly user: Record<string, unknown>;
  readonly weak_password?: { message: string; reasons: readonly string[] };
}

export interface AuthService {
  signUp(request: Credentials & { data?: Record<string, unknown> }, client: ClientInfo): Promise<TokenResponse>;
  signInWithPassword(request: Credentials, client: ClientInfo): Promise<TokenResponse>;
  refresh(refreshToken: string, client: ClientInfo): Promise<TokenResponse>;
  getUser(bearer: string): Promise<Record<string, unknown>>;
  logout(bearer: string, scope: LogoutScope): Promise<void>;
}

const INVALID_LOGIN = "Invalid login credentials";
/** checkmail.ValidateFormat's pattern, which GoTrue's validateEmail uses. */
const EMAIL_FORMAT = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** GoTrue's validateEmail (internal/api/mail.go): required, at most 255 characters, well-formed; stored lower-case. */
function validateEmail(email: string): string {
  if (email === "") throw badRequest("validation_failed", "An email address is required");
  if (email.length > 255) throw badRequest("validation_failed", "An email address is too long");
  if (!EMAIL_FORMAT.test(email)) throw badRequest("validation_failed", "Unable to validate email address: invalid format");
  return email.toLowerCase();
}

export function createAuthService(deps: { db: AuthDb; keys: SigningKeys; config: AuthConfig; issuer: string }): AuthService {
  const { db, keys, config } = deps;

  /** One session's token answer, issued inside `tx` (the hook runs in the same transaction, as in GoTrue). */
  async function tokenResponse(tx: AuthTx, user: UserRow, session: SessionRow, refreshToken: string, method: AuthenticationMethod, client: ClientInfo): Promise<TokenResponse> {
    const { accessToken, expiresAt } = await issueAccessToken(tx, deps, { user, session, method, ...(client.ip ? { ip: client.ip } : {}) });
    return {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: expiresAt - Math.floor(Date.now() / 1000),
      expires_at: expiresAt,
      refresh_token: refreshToken,
      user: userJson(user),
    };
  }

  /** GoTrue's requireAuthentication: a valid token, its user, and its session if it names one. */
  async function authenticate(tx: AuthTx, bearer: string): Promise<{ user: UserRow; session?: SessionRow }> {
    let claims: JWTPayload;
    try {
      claims = await keys.verify(bearer);
    } catch (error) {
      const reason = (error as { code?: string }).code === "ERR_JWT_EXPIRED" ? "token has invalid claims: token is expired" : "token signature is invalid";
      throw forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${reason}`);
    }
    if (typeof claims.sub !== "string" || claims.sub === "") throw forbidden("bad_jwt", "invalid claim: missing sub claim");
    if (!UUID.test(claims.sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
    const user = await findUserById(tx, claims.sub);
    if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
    let session: SessionRow | undefined;
    const sessionId = claims.session_id;
    if (typeof sessionId === "string" && sessionId !== "" && sessionId !== NIL_UUID) {
      if (!UUID.test(sessionId)) throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
      session = await findSession(tx, sessionId);
      if (!session) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
    }
    if (isBanned(user)) throw forbidden("user_banned", "User is banned");
    return { user, ...(session ? { session } : {}) };
  }

  return {
    async signUp(request, client) {
      if (!config.signupEnabled) throw unprocessable("signup_disabled", "Signups not allowed for this instance");
      const password = request.password ?? "";
      if (password === "") throw badRequest("validation_failed", "Signup requires a valid password");
      checkPasswordStrength(config, password);
      if (request.email && request.phone) throw badRequest("validation_failed", "Only an email address or phone number should be provided on signup.");
      if (request.phone) throw badRequest("phone_provider_disabled", "Phone signups are disabled");
      if (!request.email) throw badRequest("validation_failed", "Sign up only available with email provider");
      if (!config.emailProviderEnabled) throw badRequest("email_provider_disabled", "Email signups are disabled");
      const email = validateEmail(request.email);
      const exists = () => unprocessable("user_already_exists", "User already registered");
      if (await db.transaction((tx) => findUserByEmail(tx, email))) throw exists();

      // Hashing is deliberately slow: done before the transaction, as GoTrue does.
      const passwordHash = await hashPassword(password);
      try {
        return await db.transaction(async (tx) => {
          const created = await insertEmailUser(tx, { email, passwordHash, userMetadata: request.data ?? {} });
          const user = await recordSignIn(tx, created.id);
          const { session, refreshToken } = await startSession(tx, user.id, client);
          return tokenResponse(tx, user, session, refreshToken, "password", client);
        });
      } catch (error) {
        // Another sign-up with this e-mail committed in between (users_email_partial_key).
        if ((error as { code?: string }).code === "23505") throw exists();
        throw error;
      }
    },

    async signInWithPassword(request, client) {
      if (request.email && request.phone) throw badRequest("validation_failed", "Only an email address or phone number should be provided on login.");
      if (request.phone) throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
      if (!request.email) throw badRequest("validation_failed", "missing email or phone");
      if (!config.emailProviderEnabled) throw unprocessable("email_provider_disabled", "Email logins are disabled");
      const password = request.password ?? "";
      const found = await db.transaction((tx) => findUserByEmail(tx, request.email!));
      // Compared even for an unknown user, so the answer takes as long either way.
      const valid = await passwordMatches(password, found?.encrypted_password);
      if (!found || !found.encrypted_password) throw badRequest("invalid_credentials", INVALID_LOGIN);
      if (isBanned(found)) throw badRequest("user_banned", "User is banned");
      if (!valid) throw badRequest("invalid_credentials", INVALID_LOGIN);
      if (!found.email_confirmed_at) throw badRequest("email_not_confirmed", "Email not confirmed");

      // A correct password that no longer meets the policy still signs in, with a warning (GoTrue's WeakPassword).
      let weakPassword: TokenResponse["weak_password"];
      try {
        checkPasswordStrength(config, password);
      } catch (error) {
        if (error instanceof AuthError && error.weakPasswordReasons) weakPassword = { message: error.message, reasons: error.weakPasswordReasons };
      }
      const response = await db.transaction(async (tx) => {
        const user = await recordSignIn(tx, found.id);
        const { session, refreshToken } = await startSession(tx, user.id, client);
        return tokenResponse(tx, user, session, refreshToken, "password", client);
      });
      return weakPassword ? { ...response, weak_password: weakPassword } : response;
    },

    refresh(refreshToken, client) {
      return db.transaction(async (tx) => {
        const outcome = await exchangeRefreshToken(tx, refreshToken, {
          rotation: config.refreshTokenRotation,
          reuseIntervalSeconds: config.refreshTokenReuseIntervalSeconds,
          client,
        });
        const user = await findUserById(tx, outcome.userId);
        if (!user) throw badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
        if (isBanned(user)) throw badRequest("user_banned", "Invalid Refresh Token: User Banned");
        return tokenResponse(tx, user, outcome.session, outcome.refreshToken, "token_refresh", client);
      });
    },

    getUser(bearer) {
      return db.transaction(async (tx) => userJson((await authenticate(tx, bearer)).user));
    },

    logout(bearer, scope) {
      return db.transaction(async (tx) => {
        const { user, session } = await authenticate(tx, bearer);
        await endSessions(tx, scope, user.id, session?.id);
      });
    },
  };
}
