/**
 * Auth acceptance, as an edge function sees it: supabase-js `auth.getClaims(token)` under Deno
 * verifies a stack-issued user token against the stack's JWKS (/auth/v1/.well-known/jwks.json),
 * and rejects forged and expired ones. This is how organization-bootstrap (verify_jwt = false)
 * authenticates its callers. Needs the stack `npm test` starts (it exports the variables).
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { generateKeyPair, importJWK, SignJWT, type JWK } from "jose";

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set: run this through \`npm test\`, which starts the local stack`);
  return value;
}

const SUPABASE_URL = required("SUPABASE_URL");
const SUPABASE_ANON_KEY = required("SUPABASE_ANON_KEY");
const STACK_DIR = required("LOCAL_STACK_DIR");

const auth = () => createClient(SUPABASE_URL, SUPABASE_ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false } }).auth;

/** A user token from the stack's own CLI (`npm run token`), which signs with the stack's key. */
async function stackToken(role: string): Promise<string> {
  const tsx = new URL("../../../node_modules/.bin/tsx", import.meta.url).pathname;
  const cli = new URL("../../local/src/cli/token.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(tsx, { args: [cli, "--role", role], stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  assert.equal(code, 0, `npm run token failed: ${decoder.decode(stderr)}`);
  return decoder.decode(stdout).trim();
}

/** The stack's private signing key, for tokens the CLI will not make (already expired). */
async function stackSigningKey(): Promise<{ key: Awaited<ReturnType<typeof importJWK>>; kid: string }> {
  const stored = JSON.parse(await Deno.readTextFile(`${STACK_DIR}/auth/signing-key.json`)) as { privateJwk: JWK };
  return { key: await importJWK(stored.privateJwk, "ES256"), kid: stored.privateJwk.kid! };
}

const userClaims = (appRole: string) => ({
  sub: crypto.randomUUID(),
  role: "authenticated",
  aud: "authenticated",
  email: "someone@example.test",
  app_role: appRole,
});

Deno.test("auth: getClaims verifies a stack user token against the JWKS and returns its app_role", async () => {
  const token = await stackToken("platform_admin");
  const { data, error } = await auth().getClaims(token);
  assert.equal(error, null);
  assert.ok(data);
  assert.equal(data.header.alg, "ES256");
  assert.equal(data.claims.app_role, "platform_admin");
  assert.equal(data.claims.role, "authenticated");
  assert.equal(data.claims.iss, `${SUPABASE_URL}/auth/v1`);
});

Deno.test("auth: getClaims rejects a token signed by another key, whether it claims our kid or its own", async () => {
  const { kid } = await stackSigningKey();
  const { privateKey } = await generateKeyPair("ES256");
  for (const claimedKid of [kid, crypto.randomUUID()]) {
    const forged = await new SignJWT(userClaims("platform_admin"))
      .setProtectedHeader({ alg: "ES256", kid: claimedKid, typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    const { data, error } = await auth().getClaims(forged);
    assert.equal(data, null, `accepted a forged token (kid ${claimedKid === kid ? "ours" : "unknown"})`);
    assert.ok(error);
  }
});

Deno.test("auth: getClaims rejects an expired stack token", async () => {
  const { key, kid } = await stackSigningKey();
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT(userClaims("platform_admin"))
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .setIssuer(`${SUPABASE_URL}/auth/v1`)
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 60)
    .sign(key);
  const { data, error } = await auth().getClaims(expired);
  assert.equal(data, null);
  assert.ok(error);
  assert.match(error.message, /expired/i);
});
