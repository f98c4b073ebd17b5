import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";

/**
 * The Supabase the conformance suite talks to. `supabase status -o env` names (API_URL, ANON_KEY,
 * SERVICE_ROLE_KEY, DB_URL, FUNCTIONS_URL) point it at a `supabase start` stack; without them it
 * uses the local stack `npm test` exports (SUPABASE_URL, …). Only URLs and keys: the suite never
 * reads the local stack's files, so it runs the same against either.
 */
export interface ConformanceTarget {
  readonly name: "supabase start" | "local stack";
  readonly supabaseUrl: string;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
  readonly dbUrl: string;
  readonly functionsUrl: string;
}

export function conformanceTarget(env: NodeJS.ProcessEnv = process.env): ConformanceTarget {
  const fromCli = env.API_URL !== undefined;
  const read = (cliName: string, stackName: string): string => {
    const value = fromCli ? env[cliName] : env[stackName];
    assert.ok(value, `${fromCli ? cliName : stackName} is not set: run \`npm run test:conformance\` (local stack), or first \`eval "$(supabase status -o env)"\``);
    return value;
  };
  const supabaseUrl = read("API_URL", "SUPABASE_URL").replace(/\/$/, "");
  return {
    name: fromCli ? "supabase start" : "local stack",
    supabaseUrl,
    anonKey: read("ANON_KEY", "SUPABASE_ANON_KEY"),
    serviceRoleKey: read("SERVICE_ROLE_KEY", "SUPABASE_SERVICE_ROLE_KEY"),
    dbUrl: read("DB_URL", "SUPABASE_DB_URL"),
    functionsUrl: env.FUNCTIONS_URL ?? `${supabaseUrl}/functions/v1`,
  };
}

/** supabase-js as the product builds it: no session persistence. */
export function targetClient(target: ConformanceTarget, apiKey: string): SupabaseClient {
  return createClient(target.supabaseUrl, apiKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
}
