/**
 * The local Auth stand-in through supabase-js, as a frontend uses it: signUp, signInWithPassword,
 * refreshSession, getUser, getClaims, signOut; and its errors as Supabase Auth words them
 * (supabase/auth internal/api), so supabase-js raises the same AuthApiError codes.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AuthApiError, AuthSessionMissingError, AuthWeakPasswordError, isAuthApiError } from "@supabase/supabase-js";
import { APP_ROLE_CLAIM } from "@org-bootstrap/shared/stack-contract.ts";
import { decodeClaims, frontendClient, newCredentials, signUpNewUser } from "./support/auth-users.ts";
import { stackEnv } from "./support/env.ts";

const env = stackEnv();
const auth = () => frontendClient().auth;

describe("auth: sign-up and sign-in through supabase-js", () => {
  test("signUp returns a session at once (no e-mail confirmation), with the claims Supabase Auth sets", async () => {
    const credentials = newCredentials("signup");
    const before = Math.floor(Date.now() / 1000);
    const { data, error } = await auth().signUp({ ...credentials, options: { data: { display_name: "Ada" } } });
    assert.equal(error, null);
    assert.ok(data.session, "a session, not a confirmation e-mail");
    assert.equal(data.session.token_type, "bearer");
    assert.equal(data.user?.email, credentials.email);
    assert.ok(data.user?.email_confirmed_at, "confirmed at sign-up");
    assert.equal(data.user?.user_metadata.display_name, "Ada");

    const claims = decodeClaims(data.session.access_token);
    assert.equal(claims.iss, `${env.supabaseUrl}/auth/v1`);
    assert.equal(claims.aud, "authenticated");
    assert.equal(claims.role, "authenticated");
    assert.equal(claims.sub, data.user?.id);
    assert.equal(claims.email, credentials.email);
    assert.equal(claims.phone, "");
    assert.equal(claims.aal, "aal1");
    assert.equal(claims.is_anonymous, false);
    assert.match(String(claims.session_id), /^[0-9a-f-]{36}$/);
    assert.deepEqual((claims.amr as Array<{ method: string }>).map((entry) => entry.method), ["password"]);
    assert.deepEqual(claims.app_metadata, { provider: "email", providers: ["email"] });
    assert.ok((claims.iat as number) >= before - 1);
    assert.equal((claims.exp as number) - (claims.iat as number), 3600, "jwt_expiry from config.toml");
    assert.equal(data.session.expires_at, claims.exp);
    assert.equal(APP_ROLE_CLAIM in claims, false, "a new user has no application role: the hook leaves the claim out");
  });

  test("signing up twice with one e-mail is 422 user_already_exists; a short password is 422 weak_password", async () => {
    const credentials = newCredentials("twice");
    assert.equal((await auth().signUp(credentials)).error, null);
    const again = await auth().signUp({ email: credentials.email.toUpperCase(), password: credentials.password });
    assert.ok(again.error instanceof AuthApiError);
    assert.equal(again.error.status, 422);
    assert.equal(again.error.code, "user_already_exists");
    assert.equal(again.error.message, "User already registered");

    const weak = await auth().signUp({ email: newCredentials().email, password: "short" });
    assert.ok(weak.error instanceof AuthWeakPasswordError, String(weak.error));
    assert.equal(weak.error.status, 422);
    assert.deepEqual(weak.error.reasons, ["length"]);
    assert.equal(weak.error.message, "Password should be at least 8 characters.");

    const invalid = await auth().signUp({ email: "not-an-address", password: credentials.password });
    assert.ok(isAuthApiError(invalid.error));
    assert.equal(invalid.error.code, "validation_failed");
    assert.equal(invalid.error.status, 400);
  });

  test("signInWithPassword: the right password gives a new session; a wrong one or an unknown user gives 400 invalid_credentials", async () => {
    const user = await signUpNewUser("signin");
    const { data, error } = await auth().signInWithPassword({ email: user.email, password: user.password });
    assert.equal(error, null);
    assert.ok(data.session);
    assert.notEqual(decodeClaims(data.session.access_token).session_id, decodeClaims(user.session.access_token).session_id, "each sign-in is a new session");
    assert.ok(data.user?.last_sign_in_at);

    for (const [label, attempt] of [
      ["wrong password", { email: user.email, password: `${user.password}x` }],
      ["unknown e-mail", { email: newCredentials().email, password: user.password }],
    ] as const) {
      const rejected = await auth().signInWithPassword(attempt);
      assert.ok(rejected.error instanceof AuthApiError, label);
      assert.equal(rejected.error.status, 400, label);
      assert.equal(rejected.error.code, "invalid_credentials", label);
      assert.equal(rejected.error.message, "Invalid login credentials", label);
      assert.equal(rejected.data.session, null, label);
    }
  });
});

describe("auth: sessions", () => {
  test("refreshSession rotates the refresh token; the replaced one, presented again, gets the current one back", async () => {
    const user = await signUpNewUser("refresh");
    const first = user.session;
    // A token issued within the same second as the first would be identical but for nothing: wait for a new iat.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refreshed = await auth().refreshSession({ refresh_token: first.refresh_token });
    assert.equal(refreshed.error, null);
    const second = refreshed.data.session!;
    assert.notEqual(second.refresh_token, first.refresh_token, "rotated");
    assert.notEqual(second.access_token, first.access_token);
    assert.equal(decodeClaims(second.access_token).session_id, decodeClaims(first.access_token).session_id, "same session");
    assert.ok((decodeClaims(second.access_token).iat as number) > (decodeClaims(first.access_token).iat as number));

    // GoTrue's rule for a client that lost the answer: the parent of the active token gets the active token.
    const replayed = await auth().refreshSession({ refresh_token: first.refresh_token });
    assert.equal(replayed.error, null);
    assert.equal(replayed.data.session?.refresh_token, second.refresh_token);

    const unknown = await auth().refreshSession({ refresh_token: "nosuchtoken1" });
    assert.ok(unknown.error instanceof AuthApiError);
    assert.equal(unknown.error.status, 400);
    assert.equal(unknown.error.code, "refresh_token_not_found");
  });

  test("getUser reads the user from auth.users; getClaims verifies the access token against the JWKS", async () => {
    const user = await signUpNewUser("getuser");
    const { data, error } = await auth().getUser(user.session.access_token);
    assert.equal(error, null);
    assert.equal(data.user?.id, user.session.user.id);
    assert.equal(data.user?.email, user.email);
    assert.equal(data.user?.role, "authenticated");

    const claims = await auth().getClaims(user.session.access_token);
    assert.equal(claims.error, null);
    assert.equal(claims.data?.header.alg, "ES256");
    assert.equal(claims.data?.claims.sub, user.session.user.id);
    assert.equal(claims.data?.claims.email, user.email);

    const tampered = `${user.session.access_token.slice(0, -4)}AAAA`;
    assert.ok((await auth().getClaims(tampered)).error, "a tampered signature is refused");
    const forgedUser = await auth().getUser(tampered);
    assert.ok(forgedUser.error instanceof AuthApiError);
    assert.equal(forgedUser.error.status, 403);
    assert.equal(forgedUser.error.code, "bad_jwt");
  });

  test("signOut ends the session: its refresh token is gone and getUser with its access token says the session is missing", async () => {
    const user = await signUpNewUser("signout");
    const client = frontendClient();
    assert.equal((await client.auth.setSession(user.session)).error, null);
    assert.equal((await client.auth.signOut()).error, null);

    const refreshed = await auth().refreshSession({ refresh_token: user.session.refresh_token });
    assert.ok(refreshed.error instanceof AuthApiError);
    assert.equal(refreshed.error.code, "refresh_token_not_found");
    const { error } = await auth().getUser(user.session.access_token);
    assert.ok(error instanceof AuthSessionMissingError, String(error));
  });
});

describe("auth: requests a browser could send that Auth refuses", () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${env.supabaseUrl}/auth/v1${path}`, {
      method: "POST",
      headers: { apikey: env.anonKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01", ...headers },
      body,
    });

  test("no API key is 401; malformed JSON is 400 bad_json; an oversized body is 413; an unknown grant is 400", async () => {
    const noKey = await fetch(`${env.supabaseUrl}/auth/v1/signup`, { method: "POST", body: "{}" });
    assert.equal(noKey.status, 401);

    const malformed = await post("/token?grant_type=password", "{not json");
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).code, "bad_json");

    const huge = await post("/signup", JSON.stringify({ email: "a@example.test", password: "x".repeat(100_000) }));
    assert.equal(huge.status, 413);
    assert.equal((await huge.json()).code, "request_entity_too_large");

    const grant = await post("/token?grant_type=magic", "{}");
    assert.equal(grant.status, 400);
    assert.deepEqual(await grant.json(), { code: "invalid_credentials", message: "unsupported_grant_type" });
  });

  test("a client without the API version header gets the original error shape", async () => {
    const response = await post("/token?grant_type=password", JSON.stringify({ email: newCredentials().email, password: "whatever1" }), { "x-supabase-api-version": "" });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get("x-supabase-api-version"), null);
    assert.deepEqual(await response.json(), { code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" });
  });
});
