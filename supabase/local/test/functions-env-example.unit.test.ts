/**
 * supabase/functions/.env.example, the file a developer copies for `supabase functions serve
 * --env-file`: it parses as the CLI parses env files, sets no reserved SUPABASE_ name, reaches the
 * proxy from inside the container, and organization-bootstrap accepts it as its configuration.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../functions/organization-bootstrap/config.ts";
import { parseDotenv } from "../src/gateway/functions/dotenv.ts";
import { FUNCTIONS_DIR } from "../src/paths.ts";

const example = parseDotenv(fs.readFileSync(path.join(FUNCTIONS_DIR, ".env.example"), "utf8"), ".env.example");

test(".env.example sets no name the CLI reserves (SUPABASE_*)", () => {
  assert.deepEqual([...example.keys()].filter((name) => name.startsWith("SUPABASE_")), []);
});

test(".env.example reaches the proxy at host.docker.internal, the host as the functions' container sees it", () => {
  assert.equal(new URL(example.get("TEMPORAL_PROXY_URL") ?? "").hostname, "host.docker.internal");
});

test("organization-bootstrap accepts .env.example plus what Supabase injects", () => {
  const config = loadConfig({
    ...Object.fromEntries(example),
    SUPABASE_URL: "http://kong:8000",
    SUPABASE_SERVICE_ROLE_KEY: "service-role-key-as-injected-by-the-cli",
  });
  assert.equal(config.TEMPORAL_PROXY_URL, example.get("TEMPORAL_PROXY_URL"));
  // Tokens are checked against the issuer Auth writes under `supabase start`, not SUPABASE_URL (kong:8000).
  assert.equal(config.AUTH_ISSUER, "http://127.0.0.1:54321/auth/v1");
});
