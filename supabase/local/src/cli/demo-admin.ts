import path from "node:path";
import { createClient, type Session } from "@supabase/supabase-js";
import pg from "pg";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { demoCredentialsFile, loadOrCreateDemoCredentials, type DemoCredentials } from "../auth/demo-credentials.ts";
import { grantRole } from "../auth/user-roles.ts";
import { StackError } from "../errors.ts";
import type { StackEnv } from "../stack.ts";

export interface SignedInDemoAdmin {
  readonly credentials: DemoCredentials;
  readonly session: Session;
}

/**
 * The demo admin, made the way a platform team makes any admin: the user signs up through
 * supabase-js (or already has), `admin:grant`'s grant gives them the role, and a new sign-in
 * returns an access token that carries it (the hook only runs when a token is issued).
 */
export async function signInDemoAdmin(env: Pick<StackEnv, "SUPABASE_URL" | "SUPABASE_ANON_KEY" | "SUPABASE_DB_URL">, dataDir: string): Promise<SignedInDemoAdmin> {
  const credentials = loadOrCreateDemoCredentials(dataDir);
  const auth = createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
  }).auth;

  const signedUp = await auth.signUp(credentials);
  if (signedUp.error && signedUp.error.code !== "user_already_exists") {
    throw new StackError(`the demo admin could not sign up: ${signedUp.error.message}`, "see [auth] in supabase/config.toml (enable_signup must be true)");
  }
  const db = new pg.Client({ connectionString: env.SUPABASE_DB_URL });
  await db.connect();
  try {
    await grantRole(db, credentials.email, PLATFORM_ADMIN_ROLE);
  } finally {
    await db.end();
  }
  const signedIn = await auth.signInWithPassword(credentials);
  if (signedIn.error || !signedIn.data.session) {
    throw new StackError(
      `the demo admin ${credentials.email} could not sign in: ${signedIn.error?.message ?? "no session"}`,
      `its password is in ${path.relative(process.cwd(), demoCredentialsFile(dataDir))}; if that file was replaced, delete the user (delete from auth.users where email = '${credentials.email}') and restart`,
    );
  }
  return { credentials, session: signedIn.data.session };
}
