import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { loadSigningKeys } from "../../local/src/auth/keys.ts";
import { signUserToken } from "../../local/src/auth/user-token.ts";
import { stackEnv } from "../../local/test/support/env.ts";

/** A supabase-js client as the product makes one; `token` (a user JWT) replaces the API key as the Bearer. */
export function supabaseClient(apiKey: string, token?: string): SupabaseClient {
  return createClient(stackEnv().supabaseUrl, apiKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    ...(token ? { global: { headers: { Authorization: `Bearer ${token}` } } } : {}),
  });
}

export const serviceClient = () => supabaseClient(stackEnv().serviceRoleKey);
export const anonClient = () => supabaseClient(stackEnv().anonKey);

/** A signed-in user with the given application role (claim `app_role`), e.g. platform_admin or viewer. */
export async function userClient(appRole: string): Promise<SupabaseClient> {
  const env = stackEnv();
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const token = await signUserToken(keys, { appRole });
  const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
  if (claims[APP_ROLE_CLAIM] !== appRole) throw new Error(`the signed token lacks ${APP_ROLE_CLAIM}=${appRole}`);
  return supabaseClient(env.anonKey, token);
}

export const platformAdminClient = () => userClient(PLATFORM_ADMIN_ROLE);
