/**
 * Token verification for every way a Supabase project signs its users' tokens, without a stack:
 * SUPABASE_JWKS as an object or a bare array, the JWKS endpoint when it is absent, the legacy
 * HS256 secret (in the JWKS, as a secret, or by asking Auth), and the claims a user token must carry.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";
import { buildHandler } from "./app.ts";
import { createTokenVerifier, TokenRejected, type VerifierOptions } from "./auth.ts";
import { parseProjectKeys } from "./jwks.ts";
import type { Log } from "./log.ts";

const SECRET = "a-legacy-jwt-secret-of-at-least-32-characters";
const secretJwk = { kty: "oct", k: btoa(SECRET).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") };

const { publicKey, privateKey } = await generateKeyPair("ES256");
const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: "key-1", alg: "ES256", use: "sig" };

function userToken(claims: JWTPayload = {}): SignJWT {
  return new SignJWT({ role: "authenticated", app_role: "platform_admin", ...claims })
    .setSubject(crypto.randomUUID())
    .setAudience("authenticated")
    .setIssuedAt()
    .setExpirationTime("5m");
}
const es256 = (claims?: JWTPayload, kid = "key-1") => userToken(claims).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
const hs256 = (secret = SECRET, claims?: JWTPayload) => userToken(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));

const verifier = (options: Partial<VerifierOptions> & { jwks?: string }) =>
  createTokenVerifier({
    supabaseUrl: options.supabaseUrl ?? "http://127.0.0.1:9",
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
  const accepting = verifier({ askAuth: (t) => (asked.push(t), Promise.resolve({ sub: "u", role: "authenticated", aud: "authenticated" })) });
  assert.equal((await accepting(token)).sub, "u");
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
  const noExp = await new SignJWT({ role: "authenticated", aud: "authenticated", sub: "u" }).setIssuedAt().setProtectedHeader({ alg: "ES256", kid: "key-1" }).sign(privateKey);
  await rejects(verify(noExp));
  const now = Math.floor(Date.now() / 1000);
  const expired = await userToken().setIssuedAt(now - 600).setExpirationTime(now - 60).setProtectedHeader({ alg: "ES256", kid: "key-1" }).sign(privateKey);
  await rejects(verify(expired), true);
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
