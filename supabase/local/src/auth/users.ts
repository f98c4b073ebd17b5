import crypto from "node:crypto";
import type { AuthTx } from "./auth-db.ts";

/** The columns of auth.users the stand-in reads. */
export interface UserRow {
  readonly id: string;
  readonly aud: string;
  readonly role: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly encrypted_password: string | null;
  readonly email_confirmed_at: Date | null;
  readonly confirmed_at: Date | null;
  readonly last_sign_in_at: Date | null;
  readonly raw_app_meta_data: Record<string, unknown> | null;
  readonly raw_user_meta_data: Record<string, unknown> | null;
  readonly banned_until: Date | null;
  readonly is_anonymous: boolean;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** GoTrue's audience and default role for signed-in users (GOTRUE_JWT_AUD, GOTRUE_JWT_DEFAULT_GROUP_NAME under supabase start). */
export const USER_AUDIENCE = "authenticated";
export const USER_ROLE = "authenticated";
/** GoTrue keeps users under the nil instance id. */
const INSTANCE_ID = "00000000-0000-0000-0000-000000000000";

const COLUMNS = `id, aud, role, email, phone, encrypted_password, email_confirmed_at, confirmed_at, last_sign_in_at,
  raw_app_meta_data, raw_user_meta_data, banned_until, is_anonymous, created_at, updated_at`;

/** GoTrue's FindUserByEmailAndAudience: case-insensitive, non-SSO accounts only. */
export async function findUserByEmail(tx: AuthTx, email: string): Promise<UserRow | undefined> {
  const { rows } = await tx.query<UserRow>(
    `select ${COLUMNS} from auth.users where lower(email) = lower($1) and aud = $2 and is_sso_user = false`,
    [email, USER_AUDIENCE],
  );
  return rows[0];
}

export async function findUserById(tx: AuthTx, id: string): Promise<UserRow | undefined> {
  const { rows } = await tx.query<UserRow>(`select ${COLUMNS} from auth.users where id = $1`, [id]);
  return rows[0];
}

/**
 * A new e-mail user, already confirmed: with `enable_confirmations = false` GoTrue confirms at
 * sign-up (Mailer.Autoconfirm) and records `email_verified: true` in the user's metadata.
 */
export async function insertEmailUser(
  tx: AuthTx,
  user: { email: string; passwordHash: string; userMetadata: Record<string, unknown> },
): Promise<UserRow> {
  const { rows } = await tx.query<UserRow>(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
       raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous)
     values ($1, $2, $3, $4, $5, $6, now(), $7, $8, now(), now(), false)
     returning ${COLUMNS}`,
    [
      INSTANCE_ID,
      crypto.randomUUID(),
      USER_AUDIENCE,
      USER_ROLE,
      user.email,
      user.passwordHash,
      { provider: "email", providers: ["email"] },
      { ...user.userMetadata, email_verified: true },
    ],
  );
  return rows[0]!;
}

export async function recordSignIn(tx: AuthTx, userId: string): Promise<UserRow> {
  const { rows } = await tx.query<UserRow>(
    `update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1 returning ${COLUMNS}`,
    [userId],
  );
  return rows[0]!;
}

export function isBanned(user: UserRow): boolean {
  return user.banned_until !== null && user.banned_until.getTime() > Date.now();
}

/** The user object GoTrue returns (models.User's JSON); the password hash never leaves. */
export function userJson(user: UserRow): Record<string, unknown> {
  const time = (value: Date | null) => (value ? value.toISOString() : undefined);
  return {
    id: user.id,
    aud: user.aud,
    role: user.role,
    email: user.email ?? "",
    email_confirmed_at: time(user.email_confirmed_at),
    phone: user.phone ?? "",
    confirmed_at: time(user.confirmed_at),
    last_sign_in_at: time(user.last_sign_in_at),
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    identities: [],
    created_at: user.created_at.toISOString(),
    updated_at: user.updated_at.toISOString(),
    is_anonymous: user.is_anonymous,
  };
}
