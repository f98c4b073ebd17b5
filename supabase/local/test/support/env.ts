import assert from "node:assert/strict";

/** The running stack's endpoints and keys, as `npm test` exports them to every suite. */
export function stackEnv() {
  const read = (name: string): string => {
    const value = process.env[name];
    assert.ok(value, `${name} is not set: run tests through \`npm test\`, which starts the local stack`);
    return value;
  };
  return {
    supabaseUrl: read("SUPABASE_URL"),
    anonKey: read("SUPABASE_ANON_KEY"),
    serviceRoleKey: read("SUPABASE_SERVICE_ROLE_KEY"),
    dbUrl: read("SUPABASE_DB_URL"),
    jwksUrl: read("SUPABASE_JWKS_URL"),
    functionsUrl: read("FUNCTIONS_URL"),
    temporalAddress: read("TEMPORAL_ADDRESS"),
    temporalNamespace: read("TEMPORAL_NAMESPACE"),
    dataDir: read("LOCAL_STACK_DIR"),
  };
}
