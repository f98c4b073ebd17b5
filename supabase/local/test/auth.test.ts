/**
 * Auth acceptance from Node: the stack's JWKS, supabase-js getClaims/getUser against it, and the
 * `npm run token` CLI's tokens (a developer shortcut; sign-in itself is auth-flows.test.ts). (The Deno side is supabase/functions/_shared/auth-claims.test.ts.)
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createClient } from "@supabase/supabase-js";
import { SignJWT, generateKeyPair } from "jose";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { loadSigningKeys, type SigningKeys } from "../src/auth/keys.ts";
import { signUserToken } from "../src/auth/user-token.ts";
import { REPO_ROOT } from "../src/paths.ts";
import { stackEnv } from "./support/env.ts";

const env = stackEnv();
const run = promisify(execFile);

const auth = () =>
  createClient(env.supabaseUrl, env.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  }).auth;

/** `npm run token -- …` without npm's banner: the same script, run by tsx. */
const tokenCli = (args: string[]) =>
  run(path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), [path.join(REPO_ROOT, "supabase/local/src/cli/token.ts"), ...args], {
    env: { ...process.env, LOCAL_STACK_DIR: env.dataDir },
  });

describe("auth", () => {
  let keys: SigningKeys;
  before(async () => {
    keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  });

  test("the JWKS endpoint publishes the ES256 public key only", async () => {
    const res = await fetch(env.jwksUrl);
    assert.equal(res.status, 200);
    const { keys: published } = (await res.json()) as { keys: Array<Record<string, unknown>> };
    assert.equal(published.length, 1);
    const [key] = published;
    assert.equal(key!.kid, keys.kid);
    assert.equal(key!.alg, "ES256");
    assert.equal(key!.kty, "EC");
    assert.equal(key!.d, undefined, "the private part must never be published");
  });

  test("getClaims verifies a user token against the JWKS and returns its claims", async () => {
    const sub = crypto.randomUUID();
    const token = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, sub, email: "admin@example.test" });
    const { data, error } = await auth().getClaims(token);
    assert.equal(error, null);
    assert.equal(data!.claims.sub, sub);
    assert.equal(data!.claims.app_role, PLATFORM_ADMIN_ROLE);
    assert.equal(data!.claims.email, "admin@example.test");
  });

  test("getClaims rejects forged and expired tokens", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const claims = { sub: crypto.randomUUID(), role: "authenticated", aud: "authenticated", app_role: PLATFORM_ADMIN_ROLE };
    const forge = (kid: string) => new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).setIssuedAt().setExpirationTime("1h").sign(privateKey);
    const expired = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, ttlSeconds: -60 });
    for (const [label, token] of [["forged, our kid", await forge(keys.kid)], ["forged, unknown kid", await forge(crypto.randomUUID())], ["expired", expired]] as const) {
      const { data, error } = await auth().getClaims(token);
      assert.equal(data, null, label);
      assert.ok(error, label);
    }
  });

  test("getUser (GET /auth/v1/user) answers 403 user_not_found for a valid token of no user in auth.users, and 403 bad_jwt for a forged one", async () => {
    // `npm run token` mints tokens for made-up users: Auth, which reads auth.users, does not know them.
    const sub = crypto.randomUUID();
    const token = await signUserToken(keys, { appRole: "viewer", sub, email: "viewer@example.test" });
    const unknown = await auth().getUser(token);
    assert.equal(unknown.data.user, null);
    assert.equal(unknown.error?.status, 403);
    assert.equal((unknown.error as { code?: string }).code, "user_not_found");

    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ sub, role: "authenticated" }).setProtectedHeader({ alg: "ES256", kid: keys.kid }).setExpirationTime("1h").sign(privateKey);
    const rejected = await auth().getUser(forged);
    assert.equal(rejected.data.user, null);
    assert.equal(rejected.error?.status, 403);
    assert.equal((rejected.error as { code?: string }).code, "bad_jwt");
  });

  test("`npm run token` prints a token the stack accepts, with the requested role, subject and email", async () => {
    const sub = crypto.randomUUID();
    const { stdout } = await tokenCli(["--role", "platform_admin", "--sub", sub, "--email", "cli@example.test", "--ttl", "600"]);
    const { data, error } = await auth().getClaims(stdout.trim());
    assert.equal(error, null);
    assert.equal(data!.claims.sub, sub);
    assert.equal(data!.claims.app_role, "platform_admin");
    assert.equal(data!.claims.email, "cli@example.test");
    assert.ok(data!.claims.exp - data!.claims.iat === 600);
  });

  test("`npm run token` refuses bad arguments with one clear line and exit code 2", async () => {
    await assert.rejects(tokenCli(["--role", "Platform Admin!"]), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr ?? "", /--role must be an application role/);
      return true;
    });
  });
});
