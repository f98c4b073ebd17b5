import type pg from "pg";

/** What a grant or revoke did to the user's row in public.user_roles. */
export interface RoleChange {
  readonly userId: string;
  readonly email: string;
  /** False when the user already had (grant) or did not have (revoke) the role. */
  readonly changed: boolean;
}

/** A failure the person running the command can fix; `fix` says how. */
export class RoleChangeError extends Error {
  override readonly name = "RoleChangeError";
  constructor(message: string, readonly fix: string) {
    super(message);
  }
}

/** The auth.users row with this e-mail, found as Supabase Auth finds it at sign-in (case-insensitive, non-SSO). */
async function findUser(db: pg.ClientBase, email: string): Promise<{ id: string; email: string }> {
  const { rows } = await db.query<{ id: string; email: string }>(
    "select id, email from auth.users where lower(email) = lower($1) and is_sso_user = false",
    [email],
  );
  if (!rows[0]) {
    throw new RoleChangeError(`no user with the e-mail ${email}`, "the user signs up (or is invited) first; check the spelling and the database");
  }
  return rows[0];
}

/** Postgres errors that mean "this database is not ready for roles", in a person's words. */
function explain(error: unknown, role: string): never {
  const { code, message } = error as { code?: string; message?: string };
  if (code === "42P01" || code === "42704") {
    throw new RoleChangeError(`this database has no public.user_roles (${message})`, "apply the migrations first: `supabase db push` (a project) or `npm start` (the local stack)");
  }
  if (code === "22P02") {
    throw new RoleChangeError(`${role} is not a value of public.app_role`, "apply the latest migrations (supabase/migrations/*_user_roles.sql)");
  }
  if (code === "42501") {
    throw new RoleChangeError(`the database user may not change roles (${message})`, "use the project's postgres connection string (Dashboard → Connect)");
  }
  throw error;
}

export async function grantRole(db: pg.ClientBase, email: string, role: string): Promise<RoleChange> {
  const user = await findUser(db, email);
  try {
    const { rowCount } = await db.query(
      "insert into public.user_roles (user_id, role) values ($1, $2::public.app_role) on conflict (user_id, role) do nothing",
      [user.id, role],
    );
    return { userId: user.id, email: user.email, changed: (rowCount ?? 0) > 0 };
  } catch (error) {
    explain(error, role);
  }
}

export async function revokeRole(db: pg.ClientBase, email: string, role: string): Promise<RoleChange> {
  const user = await findUser(db, email);
  try {
    const { rowCount } = await db.query("delete from public.user_roles where user_id = $1 and role = $2::public.app_role", [user.id, role]);
    return { userId: user.id, email: user.email, changed: (rowCount ?? 0) > 0 };
  } catch (error) {
    explain(error, role);
  }
}
