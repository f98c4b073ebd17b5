/**
 * Acceptance: the local stack's /functions/v1 through supabase-js, with the project's own
 * supabase/config.toml (stack-check: verify_jwt = true) and the real stack-check function.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createClient as createSupabaseClient, FunctionsHttpError } from "@supabase/supabase-js";
import { FunctionsClient } from "@supabase/functions-js";
import { SignJWT, generateKeyPair } from "jose";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { loadSigningKeys, type SigningKeys } from "../src/auth/keys.ts";
import { signUserToken } from "../src/auth/user-token.ts";
import { HOST_ENV_NAMES } from "../src/gateway/functions/deno-command.ts";
import { loadFunctionSecrets } from "../src/gateway/functions/dotenv.ts";
import { FUNCTIONS_DIR } from "../src/paths.ts";
import { stackEnv } from "./support/env.ts";

const env = stackEnv();

/** supabase-js as an app would build it. */
const createClient = (url: string, key: string, options: Parameters<typeof createSupabaseClient>[2] = {}) =>
  createSupabaseClient(url, key, { ...options, auth: { persistSession: false } });

/** What the stack must inject into every function (stack.ts `functionsEnv` may add more). */
const INJECTED = ["SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_DB_URL", "SUPABASE_JWKS", "TEMPORAL_PROXY_URL", "TEMPORAL_NAMESPACE"];

interface StackCheck {
  method: string;
  path: string;
  query: string;
  body: string;
  env: Record<string, boolean>;
  envNames: string[];
  supabaseJs: boolean;
}

const asUser = (token: string) => createClient(env.supabaseUrl, env.anonKey, { accessToken: async () => token });

async function httpError(error: unknown): Promise<{ status: number; body: unknown }> {
  assert.ok(error instanceof FunctionsHttpError, `expected an HTTP error, got ${String(error)}`);
  const response = error.context as Response;
  return { status: response.status, body: await response.json() };
}

const INVALID_JWT = { status: 401, body: { code: 401, message: "Invalid JWT" } };

describe("functions: stack-check through the gateway", () => {
  let keys: SigningKeys;
  let adminToken: string;

  before(async () => {
    keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    adminToken = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE });
  });

  test("a user token reaches the function: 200 with its path and the injected variables present", async () => {
    const { data, error } = await asUser(adminToken).functions.invoke<StackCheck>("stack-check", { body: { ping: 1 } });
    assert.equal(error, null);
    assert.equal(data!.method, "POST");
    assert.equal(data!.path, "/stack-check");
    assert.equal(data!.body, JSON.stringify({ ping: 1 }));
    assert.deepEqual(data!.env, { SUPABASE_URL: true, SUPABASE_ANON_KEY: true, SUPABASE_SERVICE_ROLE_KEY: true, SUPABASE_DB_URL: true, SUPABASE_JWKS: true });
    assert.equal(data!.supabaseJs, true, "createClient from the function's own deno.json should load");
    for (const name of INJECTED) assert.ok(data!.envNames.includes(name), `${name} missing`);
  });

  test("the function sees /<name>/<rest> and the query string, like the Edge Runtime", async () => {
    const { data, error } = await asUser(adminToken).functions.invoke<StackCheck>("stack-check/orgs/acme?expand=admins&n=2", { method: "GET" });
    assert.equal(error, null);
    assert.equal(data!.method, "GET");
    assert.equal(data!.path, "/stack-check/orgs/acme");
    assert.equal(data!.query, "?expand=admins&n=2");
  });

  test("the anon and service_role keys are valid JWTs and pass verify_jwt, as on Supabase", async () => {
    for (const key of [env.anonKey, env.serviceRoleKey]) {
      const { error } = await createClient(env.supabaseUrl, key).functions.invoke("stack-check");
      assert.equal(error, null);
    }
  });

  test("verify_jwt: a request without Authorization gets 401 Missing authorization header", async () => {
    const client = new FunctionsClient(env.functionsUrl, { headers: { apikey: env.anonKey } });
    const { error } = await client.invoke("stack-check");
    assert.deepEqual(await httpError(error), { status: 401, body: { code: 401, message: "Missing authorization header" } });
  });

  test("verify_jwt: an expired token gets 401 Invalid JWT", async () => {
    const expired = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, ttlSeconds: -60 });
    const { error } = await asUser(expired).functions.invoke("stack-check");
    assert.deepEqual(await httpError(error), INVALID_JWT);
  });

  test("verify_jwt: a token accepted while valid is refused once it expires (the gateway's memo of verified tokens never outlives them)", async () => {
    const shortLived = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, ttlSeconds: 3 });
    const first = await asUser(shortLived).functions.invoke("stack-check");
    assert.equal(first.error, null, "accepted while valid");
    // Poll (no fixed sleep) until the three-second token lapses: it must then be refused.
    const deadline = Date.now() + 8_000;
    let refused: unknown;
    while (refused === undefined && Date.now() < deadline) {
      const { error } = await asUser(shortLived).functions.invoke("stack-check");
      if (error) refused = await httpError(error);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(refused, INVALID_JWT);
  });

  test("verify_jwt: forged tokens (another ES256 key, with our kid or its own; alg none; garbage) get 401 Invalid JWT", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const claims = { sub: crypto.randomUUID(), role: "authenticated", aud: "authenticated", app_role: PLATFORM_ADMIN_ROLE };
    const forge = (kid: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).setIssuedAt().setExpirationTime("1h").setIssuer(`${env.supabaseUrl}/auth/v1`).sign(privateKey);
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    const tokens = { "our kid": await forge(keys.kid), "its own kid": await forge(crypto.randomUUID()), "alg none": unsigned, garbage: "not-a-jwt" };
    for (const [label, token] of Object.entries(tokens)) {
      const { error } = await asUser(token).functions.invoke("stack-check");
      assert.deepEqual(await httpError(error), INVALID_JWT, label);
    }
  });

  test("a CORS preflight is answered by the function itself (no token needed), with the _shared/cors.ts headers", async () => {
    const requested = "authorization, x-client-info, apikey, content-type, idempotency-key";
    // Browsers send preflights themselves; fetch stands in for one here.
    const res = await fetch(`${env.functionsUrl}/stack-check`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": requested },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    const allowed = res.headers.get("access-control-allow-headers") ?? "";
    // Exactly the function's list (the gateway's own default list differs, e.g. it includes `prefer`).
    assert.equal(allowed, "authorization, x-client-info, apikey, content-type, x-retry-count, traceparent, tracestate, baggage, idempotency-key");
    for (const header of requested.split(", ")) assert.ok(allowed.split(", ").includes(header), header);
  });

  test("an unknown function gets 404 NOT_FOUND", async () => {
    const { error } = await asUser(adminToken).functions.invoke("no-such-function");
    assert.deepEqual(await httpError(error), { status: 404, body: { code: "NOT_FOUND", message: "Requested function was not found" } });
  });

  test("the function's environment is the injected variables and .env secrets only: nothing from the gateway's process", async () => {
    // The exact set is pinned by functions-runtime.test.ts (which controls the injected variables);
    // here the stack decides them, so: required ones present, anything else must be the stack's own.
    const { data } = await asUser(adminToken).functions.invoke<StackCheck>("stack-check");
    const secretNames = Object.keys(loadFunctionSecrets(path.join(FUNCTIONS_DIR, ".env"), new Set([...INJECTED, ...HOST_ENV_NAMES])).values);
    for (const name of INJECTED) assert.ok(data!.envNames.includes(name), `${name} missing`);
    // AUTH_ISSUER: what the stack's Auth signs as `iss` (the stack sets it so a .env made for another port cannot override it).
    const unexpected = data!.envNames.filter((name) => !/^(SUPABASE_|TEMPORAL_|AUTH_ISSUER$)/.test(name) && !secretNames.includes(name));
    assert.deepEqual(unexpected, []);
    for (const leaked of ["PATH", "HOME", "LOCAL_STACK_DIR", "NO_COLOR", "SUPABASE_INTERNAL_HOST_ENV", "TEMPORAL_ADDRESS"]) assert.ok(!data!.envNames.includes(leaked), leaked);
  });

  test("the function ran once and stayed warm: one boot in its log under the data dir", async () => {
    await asUser(adminToken).functions.invoke("stack-check");
    const log = fs.readFileSync(path.join(env.dataDir, "logs", "functions-stack-check.log"), "utf8");
    const boots = [...log.matchAll(/^--- booted in (\d+) ms/gm)];
    assert.equal(boots.length, 1, log);
  });
});
