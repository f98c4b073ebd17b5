/**
 * Conformance: sign-up, sign-in and claims as a frontend gets them through supabase-js, and
 * organization-bootstrap's answers to such a user, against the target Supabase (with
 * `supabase start`, serve the function with `supabase functions serve`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { APP_ROLE_CLAIM } from "@org-bootstrap/shared/stack-contract.ts";
import { conformanceTarget, targetClient } from "./support/target.ts";

const target = conformanceTarget();
/** Supabase Auth's claims in every access token, after the custom access token hook has run. */
const REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "role", "aal", "session_id", "email", "phone", "is_anonymous"];

async function signedUpUser() {
  const client = targetClient(target, target.anonKey);
  const email = `conformance-${crypto.randomBytes(5).toString("hex")}@example.test`;
  const password = crypto.randomBytes(12).toString("base64url");
  const { data, error } = await client.auth.signUp({ email, password });
  assert.equal(error, null, error?.message);
  assert.ok(data.session, "signUp returns a session when e-mail confirmations are off (supabase start's default)");
  return { client, email, password, session: data.session };
}

test(`Auth (${target.name}): signUp, signInWithPassword, getClaims: a user token with Supabase's claims and no application role`, async () => {
  const { client, email, password } = await signedUpUser();
  const { data: signedIn, error } = await client.auth.signInWithPassword({ email, password });
  assert.equal(error, null, error?.message);
  const { data: verified, error: claimsError } = await client.auth.getClaims(signedIn.session!.access_token);
  assert.equal(claimsError, null, claimsError?.message);
  const claims = verified!.claims as Record<string, unknown>;
  for (const claim of REQUIRED_CLAIMS) assert.ok(claim in claims, `claim ${claim}`);
  assert.deepEqual([claims.role, claims.aud, claims.email], ["authenticated", "authenticated", email]);
  assert.equal(APP_ROLE_CLAIM in claims, false, "a new user has no application role");
});

test(`Auth (${target.name}): a wrong password is refused with Supabase Auth's error`, async () => {
  const { client, email } = await signedUpUser();
  const { data, error } = await client.auth.signInWithPassword({ email, password: "not-the-password" });
  assert.equal(data.session, null);
  assert.equal(error?.status, 400);
  assert.equal(error?.code, "invalid_credentials");
});

test(`Function (${target.name}): organization-bootstrap answers a preflight 204, no token 401, and a signed-in user without the role 403`, async () => {
  const url = `${target.functionsUrl}/organization-bootstrap`;
  const preflight = await fetch(url, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:3000", "access-control-request-method": "POST" } });
  assert.equal(preflight.status, 204);
  const anonymous = await fetch(url, { method: "POST", headers: { "content-type": "application/json", apikey: target.anonKey }, body: "{}" });
  assert.equal(anonymous.status, 401);
  const { client } = await signedUpUser();
  const { error } = await client.functions.invoke("organization-bootstrap", {
    body: { name: "Conformance", subdomain: `conf-${crypto.randomBytes(4).toString("hex")}`, contactEmail: "ops@conformance.test", admins: [{ email: "ada@conformance.test" }] },
  });
  const response = (error as { context?: Response } | null)?.context;
  assert.equal(response?.status, 403);
  assert.equal(((await response!.json()) as { error: { code: string } }).error.code, "forbidden");
});
