/**
 * Token verification for every way a Supabase project signs its users' tokens, without a stack:
 * SUPABASE_JWKS as an object or a bare array, the JWKS endpoint when it is absent, the legacy
 * HS256 secret (in the JWKS, as a secret, or by asking Auth), and the claims a user token must carry.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";
import { buildHandler } from "./app.ts";
import { createTokenVerifier, TokenRejected, type VerifierOptions } from "../_shared/auth.ts";
import { loadConfig } from "./config.ts";
import { parseProjectKeys } from "../_shared/jwks.ts";
import type { Log } from "../_shared/log.ts";

const SECRET = "a-legacy-jwt-secret-of-at-least-32-characters";
/** The project's Auth URL, as its tokens' `iss` says. */
const ISSUER = "https://project-ref.supabase.co/auth/v1";
const secretJwk = { kty: "oct", k: btoa(SECRET).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") };

const { publicKey, privateKey } = await generateKeyPair("ES256");
const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: "key-1", alg: "ES256", use: "sig" };

function userToken(claims: JWTPayload = {}): SignJWT {
  return new SignJWT({ role: "authenticated", app_role: "platform_admin", ...claims })
    .setSubject(crypto.randomUUID())
    .setAudience("authenticated")
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime("5m");
}
const es256 = (claims?: JWTPayload, kid = "key-1") => userToken(claims).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
const hs256 = (secret = SECRET, claims?: JWTPayload) => userToken(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));

const verifier = (options: Partial<VerifierOptions> & { jwks?: string }) =>
  createTokenVerifier({
    supabaseUrl: options.supabaseUrl ?? "http://127.0.0.1:9",
    issuer: options.issuer ?? ISSUER,
    ...(options.jwks ? { projectKeys: parseProjectKeys(options.jwks) } : {}),
    ...(options.legacySecret ? { legacySecret: options.legacySecret } : {}),
    ...(options.askAuth ? { askAuth: options.askAuth } : {}),
  });

async function rejects(promise: Promise<unknown>, expired = false): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof TokenRejected && error.expired === expired);
}

/** The project's JWKS endpoint, served by Deno on a free port; counts its requests. */
async function withJwksEndpoint(keys: JWK[], run: (supabaseUrl: string, requests: () => number) => Promise<void>): Promise<void> {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    requests++;
    return new URL(request.url).pathname === "/auth/v1/.well-known/jwks.json" ? Response.json({ keys }) : new Response("not found", { status: 404 });
  });
  try {
    await run(`http://127.0.0.1:${server.addr.port}`, () => requests);
  } finally {
    await server.shutdown();
  }
}

Deno.test("SUPABASE_JWKS as {keys: [...]} verifies a token signed with the project's key", async () => {
  const claims = await verifier({ jwks: JSON.stringify({ keys: [publicJwk] }) })(await es256());
  assert.equal(claims.app_role, "platform_admin");
});

Deno.test("SUPABASE_JWKS as a bare array (the hosted platform's shape) verifies the same token", async () => {
  const claims = await verifier({ jwks: JSON.stringify([publicJwk]) })(await es256());
  assert.equal(claims.role, "authenticated");
});

Deno.test("without SUPABASE_JWKS the project's JWKS endpoint is used", async () => {
  await withJwksEndpoint([publicJwk], async (supabaseUrl, requests) => {
    const claims = await verifier({ supabaseUrl })(await es256());
    assert.equal(claims.app_role, "platform_admin");
    assert.equal(requests(), 1);
  });
});

Deno.test("a key id SUPABASE_JWKS does not know (a key rotated in later) is looked up at the endpoint", async () => {
  const rotated = await generateKeyPair("ES256");
  const rotatedJwk: JWK = { ...(await exportJWK(rotated.publicKey)), kid: "key-2", alg: "ES256" };
  await withJwksEndpoint([publicJwk, rotatedJwk], async (supabaseUrl, requests) => {
    const verify = verifier({ supabaseUrl, jwks: JSON.stringify({ keys: [publicJwk] }) });
    await verify(await es256());
    assert.equal(requests(), 0, "a known key needs no request");
    const token = await userToken().setProtectedHeader({ alg: "ES256", kid: "key-2" }).sign(rotated.privateKey);
    assert.equal((await verify(token)).role, "authenticated");
    assert.equal(requests(), 1);
  });
});

Deno.test("a token signed by another key is refused, whether it claims a known key id or none", async () => {
  const other = await generateKeyPair("ES256");
  const verify = verifier({ jwks: JSON.stringify([publicJwk]) });
  await rejects(verify(await userToken().setProtectedHeader({ alg: "ES256", kid: "key-1" }).sign(other.privateKey)));
  await rejects(verify(await userToken().setProtectedHeader({ alg: "ES256" }).sign(other.privateKey)));
});

Deno.test("legacy HS256: verified with the secret SUPABASE_JWKS carries (supabase functions serve puts it there)", async () => {
  const verify = verifier({ jwks: JSON.stringify({ keys: [publicJwk, secretJwk] }) });
  assert.equal((await verify(await hs256())).app_role, "platform_admin");
  await rejects(verify(await hs256("another-secret-of-at-least-32-characters!!")));
});

Deno.test("legacy HS256: verified with LEGACY_JWT_SECRET, and refused with another secret", async () => {
  const verify = verifier({ jwks: JSON.stringify([publicJwk]), legacySecret: new TextEncoder().encode(SECRET) });
  assert.equal((await verify(await hs256())).role, "authenticated");
  await rejects(verify(await hs256("another-secret-of-at-least-32-characters!!")));
});

Deno.test("legacy HS256 with no secret here: Auth is asked, and its answer decides", async () => {
  const asked: string[] = [];
  const token = await hs256();
  const now = Math.floor(Date.now() / 1000);
  const sub = crypto.randomUUID();
  const accepting = verifier({
    askAuth: (t) => (asked.push(t), Promise.resolve({ sub, role: "authenticated", aud: "authenticated", iss: ISSUER, iat: now, exp: now + 300 })),
  });
  assert.equal((await accepting(token)).sub, sub);
  assert.deepEqual(asked, [token]);
  const refusing = verifier({ askAuth: () => Promise.reject(new TokenRejected(false, "no")) });
  await rejects(refusing(token));
  const noAuth = verifier({});
  await rejects(noAuth(token));
});

Deno.test("an HS256 token whose secret is the project's public key (algorithm confusion) is refused", async () => {
  const forged = await hs256(JSON.stringify(publicJwk));
  await rejects(verifier({ jwks: JSON.stringify([publicJwk]) })(forged));
});

Deno.test("a user token must carry aud authenticated, exp, iat and sub; expiry is reported as such", async () => {
  const verify = verifier({ jwks: JSON.stringify([publicJwk]) });
  await rejects(verify(await userToken().setAudience("some-other-app").setProtectedHeader({ alg: "ES256", kid: "key-1" }).sign(privateKey)));
  const noExp = await new SignJWT({ role: "authenticated", aud: "authenticated", iss: ISSUER, sub: crypto.randomUUID() }).setIssuedAt().setProtectedHeader({ alg: "ES256", kid: "key-1" }).sign(privateKey);
  await rejects(verify(noExp));
  const now = Math.floor(Date.now() / 1000);
  const expired = await userToken().setIssuedAt(now - 600).setExpirationTime(now - 60).setProtectedHeader({ alg: "ES256", kid: "key-1" }).sign(privateKey);
  await rejects(verify(expired), true);
});

/**
 * Claims a token signed by the project must still carry. Each is a change to a valid user token's
 * claims (undefined removes the claim); every verification path must refuse every one of them.
 */
function badClaims(): Array<[string, (claims: JWTPayload) => JWTPayload]> {
  const now = Math.floor(Date.now() / 1000);
  return [
    ["a foreign aud", (c) => ({ ...c, aud: "some-other-app" })],
    ["no aud", (c) => ({ ...c, aud: undefined })],
    ["another project's iss", (c) => ({ ...c, iss: "https://another-ref.supabase.co/auth/v1" })],
    ["no iss", (c) => ({ ...c, iss: undefined })],
    ["no exp (it would never expire)", (c) => ({ ...c, exp: undefined })],
    ["no iat", (c) => ({ ...c, iat: undefined })],
    ["an empty sub", (c) => ({ ...c, sub: "" })],
    ["no sub", (c) => ({ ...c, sub: undefined })],
    ["a sub that is not a UUID", (c) => ({ ...c, sub: "service-account" })],
    ["nbf in the future", (c) => ({ ...c, nbf: now + 600 })],
  ];
}

function validClaims(): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { role: "authenticated", app_role: "platform_admin", aud: "authenticated", iss: ISSUER, sub: crypto.randomUUID(), iat: now, exp: now + 300 };
}

const withoutUndefined = (claims: JWTPayload): JWTPayload => Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
const signEs256 = (claims: JWTPayload) => new SignJWT(withoutUndefined(claims)).setProtectedHeader({ alg: "ES256", kid: "key-1" }).sign(privateKey);
const signHs256 = (claims: JWTPayload) => new SignJWT(withoutUndefined(claims)).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));

/** Every way a token is verified here, each with the way its tokens are made. */
function verificationPaths(): Array<[string, (token: string) => Promise<JWTPayload>, (claims: JWTPayload) => Promise<string>]> {
  // Auth is asked with the token and answers with its claims (supabase-js getClaims decodes them after /auth/v1/user said yes).
  const decode = (token: string) => Promise.resolve(JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)))) as JWTPayload);
  return [
    ["SUPABASE_JWKS public keys (ES256)", verifier({ jwks: JSON.stringify([publicJwk]) }), signEs256],
    ["the legacy secret in SUPABASE_JWKS (HS256 oct key)", verifier({ jwks: JSON.stringify({ keys: [publicJwk, secretJwk] }) }), signHs256],
    ["LEGACY_JWT_SECRET (HS256)", verifier({ legacySecret: new TextEncoder().encode(SECRET) }), signHs256],
    ["asking Auth (auth.getClaims)", verifier({ askAuth: decode }), signHs256],
  ];
}

for (const [path, verify, sign] of verificationPaths()) {
  Deno.test(`${path}: a valid user token passes, with nbf in the past too`, async () => {
    const claims = validClaims();
    assert.equal((await verify(await sign(claims))).sub, claims.sub);
    assert.equal((await verify(await sign({ ...claims, nbf: Math.floor(Date.now() / 1000) - 5 }))).sub, claims.sub);
    assert.equal((await verify(await sign({ ...claims, aud: ["authenticated", "other"] }))).sub, claims.sub, "aud may be a list that includes authenticated");
  });

  Deno.test(`${path}: a token signed by the project is refused for a wrong aud, a wrong iss, no exp, a bad sub or a future nbf`, async () => {
    for (const [name, change] of badClaims()) {
      await assert.rejects(verify(await sign(change(validClaims()))), (error: unknown) => error instanceof TokenRejected && !error.expired, name);
    }
    const now = Math.floor(Date.now() / 1000);
    await rejects(verify(await sign({ ...validClaims(), iat: now - 600, exp: now - 1 })), true);
  });
}

Deno.test("the issuer is the configured AUTH_ISSUER, else SUPABASE_URL/auth/v1, and a malformed one is a configuration error", async () => {
  const env = { SUPABASE_URL: "https://project-ref.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests", TEMPORAL_PROXY_URL: "http://127.0.0.1:9", TEMPORAL_PROXY_TOKEN: "t".repeat(32) };
  assert.equal(loadConfig(env).AUTH_ISSUER, ISSUER);
  assert.equal(loadConfig({ ...env, SUPABASE_URL: "https://project-ref.supabase.co/" }).AUTH_ISSUER, ISSUER);
  // `supabase functions serve`: the function reaches the API at kong:8000, tokens name the host's URL.
  const served = { ...env, SUPABASE_URL: "http://kong:8000", AUTH_ISSUER: "http://127.0.0.1:54321/auth/v1" };
  assert.equal(loadConfig(served).AUTH_ISSUER, "http://127.0.0.1:54321/auth/v1");
  assert.equal(loadConfig({ ...served, AUTH_ISSUER: "http://127.0.0.1:54321/auth/v1/" }).AUTH_ISSUER, "http://127.0.0.1:54321/auth/v1");
  assert.equal(loadConfig({ ...env, AUTH_ISSUER: "" }).AUTH_ISSUER, ISSUER, "empty counts as unset");

  const lines: string[] = [];
  const log: Log = { info() {}, warn() {}, error: (message) => void lines.push(message) };
  const handle = buildHandler({ ...env, AUTH_ISSUER: "127.0.0.1:54321/auth/v1" }, log);
  const response = await handle(new Request("http://localhost/organization-bootstrap", { method: "POST" }));
  assert.equal(response.status, 503);
  await response.body?.cancel();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^organization-bootstrap is misconfigured: AUTH_ISSUER must be the iss claim of the project's user tokens/);
});

Deno.test("SUPABASE_JWKS that cannot be used is refused with a reason that holds no key material", () => {
  const cases: Array<[string, RegExp]> = [
    ["not json", /not JSON/],
    ['{"kid":"x"}', /not a JWKS/],
    ["[]", /holds no keys/],
    ['[{"kty":"nope"}]', /key 0 has no usable "kty"/],
    [JSON.stringify([{ kty: "EC", crv: "P-256", x: "x", y: "y", d: "private-part" }]), /key 0 is a private key/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseProjectKeys(text), (error: Error) => reason.test(error.message) && !error.message.includes("private-part"), text);
  }
});

Deno.test("a garbage SUPABASE_JWKS: one log line naming it, and 503 misconfigured for every request, no crash", async () => {
  const lines: string[] = [];
  const log: Log = { info() {}, warn() {}, error: (message) => void lines.push(message) };
  const handle = buildHandler(
    {
      SUPABASE_URL: "http://127.0.0.1:9",
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests",
      SUPABASE_JWKS: "{not a jwks",
      TEMPORAL_PROXY_URL: "http://127.0.0.1:9",
      TEMPORAL_PROXY_TOKEN: "t".repeat(32),
    },
    log,
  );
  for (let i = 0; i < 2; i++) {
    const response = await handle(new Request("http://localhost/organization-bootstrap", { method: "POST" }));
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "misconfigured");
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /SUPABASE_JWKS is not JSON/);
});
