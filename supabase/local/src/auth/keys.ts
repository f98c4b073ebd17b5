import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { SignJWT, jwtVerify, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload } from "jose";

const ALG = "ES256";
/** API keys (anon, service_role) never expire, like a project's legacy keys; rotate by deleting the key file. */
const API_KEY_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

export interface SigningKeys {
  readonly kid: string;
  /** JWKS document served at /auth/v1/.well-known/jwks.json (public key only). */
  readonly jwks: { keys: JWK[] };
  readonly anonKey: string;
  readonly serviceRoleKey: string;
  sign(claims: JWTPayload, ttlSeconds: number): Promise<string>;
  /**
   * Signs exactly these claims (iat, exp and iss included), as Supabase Auth signs the claims its
   * custom access token hook returned.
   */
  signClaims(claims: JWTPayload): Promise<string>;
  /** Verifies signature, algorithm and expiry; throws on anything else. */
  verify(token: string): Promise<JWTPayload>;
}

interface StoredKey {
  readonly privateJwk: JWK;
  readonly createdAt: number;
}

async function loadOrCreate(file: string): Promise<StoredKey> {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as StoredKey;
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), alg: ALG, use: "sig" };
  const stored: StoredKey = { privateJwk, createdAt: Math.floor(Date.now() / 1000) };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  return stored;
}

/**
 * The stack's asymmetric JWT signing key (ES256), persisted under the data dir so tokens and
 * API keys stay valid across restarts, as they do on a project with JWT signing keys.
 */
export async function loadSigningKeys(dataDir: string, issuer: string): Promise<SigningKeys> {
  const stored = await loadOrCreate(path.join(dataDir, "auth", "signing-key.json"));
  const kid = stored.privateJwk.kid!;
  const privateKey = await importJWK(stored.privateJwk, ALG);
  const { d: _private, ...publicJwk } = stored.privateJwk;
  const jwks = { keys: [{ ...publicJwk, key_ops: ["verify"] }] };
  const localJwks = createLocalJWKSet(jwks);

  const signAt = (claims: JWTPayload, issuedAt: number, ttlSeconds: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid, typ: "JWT" })
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .sign(privateKey);

  // API keys are derived from the key's creation time, so they are identical on every restart.
  const apiKey = (role: string) => signAt({ iss: "supabase-local", role }, stored.createdAt, API_KEY_LIFETIME_SECONDS);
  const [anonKey, serviceRoleKey] = await Promise.all([apiKey("anon"), apiKey("service_role")]);

  return {
    kid,
    jwks,
    anonKey,
    serviceRoleKey,
    sign: (claims, ttlSeconds) => signAt({ iss: issuer, ...claims }, Math.floor(Date.now() / 1000), ttlSeconds),
    signClaims: (claims) => new SignJWT(claims).setProtectedHeader({ alg: ALG, kid, typ: "JWT" }).sign(privateKey),
    verify: async (token) => (await jwtVerify(token, localJwks, { algorithms: [ALG] })).payload,
  };
}
