import crypto from "node:crypto";
import { badRequest, OAuthError } from "./auth-error.ts";
import { CommitThenFail, type AuthTx } from "./auth-db.ts";

export interface SessionRow {
  readonly id: string;
  readonly user_id: string;
  readonly created_at: Date;
  readonly not_after: Date | null;
}

/** Where a request came from, recorded on its session as GoTrue's GrantParams do. */
export interface ClientInfo {
  readonly userAgent?: string;
  readonly ip?: string;
}

export interface RefreshOutcome {
  readonly userId: string;
  readonly session: SessionRow;
  readonly refreshToken: string;
}

/** GoTrue's refresh tokens (algorithm v1): 12 characters from crypto.SecureAlphanumeric. */
const REFRESH_TOKEN_LENGTH = 12;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
/** auth.refresh_tokens.token is varchar(255): anything longer cannot be a token. */
const MAX_REFRESH_TOKEN_LENGTH = 255;

function newRefreshToken(): string {
  // Rejection sampling keeps every character equally likely.
  let token = "";
  while (token.length < REFRESH_TOKEN_LENGTH) {
    for (const byte of crypto.randomBytes(REFRESH_TOKEN_LENGTH)) {
      if (byte < 252 && token.length < REFRESH_TOKEN_LENGTH) token += ALPHABET[byte % ALPHABET.length];
    }
  }
  return token;
}

async function insertRefreshToken(tx: AuthTx, userId: string, sessionId: string, parent: string | null): Promise<string> {
  const token = newRefreshToken();
  await tx.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
    [token, userId, parent, sessionId],
  );
  return token;
}

/** A new session (aal1) with its first refresh token: what every sign-in and sign-up creates. */
export async function startSession(tx: AuthTx, userId: string, client: ClientInfo): Promise<{ session: SessionRow; refreshToken: string }> {
  const { rows } = await tx.query<SessionRow>(
    `insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
     values ($1, $2, now(), now(), 'aal1', $3, $4)
     returning id, user_id, created_at, not_after`,
    [crypto.randomUUID(), userId, client.userAgent ?? null, client.ip ?? null],
  );
  const session = rows[0]!;
  return { session, refreshToken: await insertRefreshToken(tx, userId, session.id, null) };
}

export async function findSession(tx: AuthTx, sessionId: string): Promise<SessionRow | undefined> {
  const { rows } = await tx.query<SessionRow>("select id, user_id, created_at, not_after from auth.sessions where id = $1", [sessionId]);
  return rows[0];
}

interface TokenRow {
  readonly token: string;
  readonly user_id: string;
  readonly revoked: boolean;
  readonly updated_at: Date;
  readonly session_id: string | null;
}

/**
 * GoTrue's RefreshTokenGrant for v1 tokens (internal/tokens/service.go): the presented token is
 * revoked and a child issued. Presenting an already-revoked token is allowed when it is the parent
 * of the session's active token (the client lost the last answer: it gets the active token back)
 * or within the reuse interval of its revocation (concurrent refreshes); otherwise the token's
 * family is revoked and the request fails with refresh_token_already_used.
 */
export async function exchangeRefreshToken(
  tx: AuthTx,
  presented: string,
  options: { rotation: boolean; reuseIntervalSeconds: number; client: ClientInfo },
): Promise<RefreshOutcome> {
  if (presented === "") throw new OAuthError("invalid_request", "refresh_token required");
  const notFound = badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
  if (presented.length > MAX_REFRESH_TOKEN_LENGTH) throw notFound;

  // Locked, so two concurrent refreshes of one token are serialised as GoTrue's row lock does.
  const { rows } = await tx.query<TokenRow>(
    "select token, user_id, revoked, updated_at, session_id from auth.refresh_tokens where token = $1 for update",
    [presented],
  );
  const token = rows[0];
  if (!token) throw notFound;
  const session = token.session_id ? await findSessionForUpdate(tx, token.session_id) : undefined;
  if (!session) {
    await tx.query("delete from auth.refresh_tokens where token = $1", [presented]);
    throw new CommitThenFail(badRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found"));
  }
  if (session.not_after && session.not_after.getTime() <= Date.now()) {
    throw badRequest("session_expired", "Invalid Refresh Token: Session Expired");
  }

  let issued: string | undefined;
  if (token.revoked) {
    const active = await tx.query<{ token: string; parent: string | null }>(
      "select token, parent from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1",
      [session.id],
    );
    if (active.rows[0]?.parent === token.token) {
      issued = active.rows[0].token;
    } else if (Date.now() > token.updated_at.getTime() + options.reuseIntervalSeconds * 1000) {
      if (options.rotation) {
        await tx.query("update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and revoked = false", [session.id]);
      }
      throw new CommitThenFail(badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used"));
    }
  }
  if (issued === undefined) {
    await tx.query("update auth.refresh_tokens set revoked = true, updated_at = now() where token = $1", [token.token]);
    issued = await insertRefreshToken(tx, token.user_id, session.id, token.token);
  }
  await tx.query(
    "update auth.sessions set refreshed_at = now() at time zone 'utc', updated_at = now(), user_agent = $2, ip = $3 where id = $1",
    [session.id, options.client.userAgent ?? null, options.client.ip ?? null],
  );
  return { userId: token.user_id, session, refreshToken: issued };
}

async function findSessionForUpdate(tx: AuthTx, sessionId: string): Promise<SessionRow | undefined> {
  const { rows } = await tx.query<SessionRow>("select id, user_id, created_at, not_after from auth.sessions where id = $1 for update", [sessionId]);
  return rows[0];
}

export type LogoutScope = "global" | "local" | "others";

/** GoTrue's Logout: ends the user's sessions (their refresh tokens go with them, on delete cascade). */
export async function endSessions(tx: AuthTx, scope: LogoutScope, userId: string, sessionId: string | undefined): Promise<void> {
  if (scope === "local" && sessionId) {
    await tx.query("delete from auth.sessions where id = $1", [sessionId]);
  } else if (scope === "others" && sessionId) {
    await tx.query("delete from auth.sessions where user_id = $1 and id <> $2", [userId, sessionId]);
  } else {
    await tx.query("delete from auth.sessions where user_id = $1", [userId]);
  }
}
