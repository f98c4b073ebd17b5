import crypto from "node:crypto";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createClient, type Session, type SupabaseClient } from "@supabase/supabase-js";
import { REPO_ROOT } from "../../src/paths.ts";
import { stackEnv } from "./env.ts";

const run = promisify(execFile);

/** A frontend's client: the anon key, no stored session (each test holds its own). */
export function frontendClient(): SupabaseClient {
  const env = stackEnv();
  return createClient(env.supabaseUrl, env.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
}

/** An e-mail and password nobody else uses, that meet the project's password policy. */
export function newCredentials(prefix = "user"): { email: string; password: string } {
  return { email: `${prefix}-${crypto.randomBytes(5).toString("hex")}@example.test`, password: `pw-${crypto.randomBytes(12).toString("hex")}` };
}

/** Signs a new user up through supabase-js; returns the credentials and the session signUp returned. */
export async function signUpNewUser(prefix?: string): Promise<{ email: string; password: string; session: Session }> {
  const credentials = newCredentials(prefix);
  const { data, error } = await frontendClient().auth.signUp(credentials);
  if (error || !data.session) throw new Error(`signUp failed: ${error?.message ?? "no session"}`);
  return { ...credentials, session: data.session };
}

/** `npm run admin:grant|admin:revoke -- …` without npm's banner: the same script, run by tsx. */
export function adminRoleCli(action: "grant" | "revoke", args: string[], env: NodeJS.ProcessEnv = process.env) {
  return run(path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), [path.join(REPO_ROOT, "supabase/local/src/cli/admin-role.ts"), action, ...args], { env });
}

/** The claims of an access token, without verifying it (the tests that need verification use getClaims). */
export function decodeClaims(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}
