import type { JWK } from "jose";

/** The project's keys, split by how a token signed with them is checked. */
export interface ProjectKeys {
  /** Public signing keys (EC, RSA, OKP): the project's JWT signing keys. */
  readonly publicKeys: readonly JWK[];
  /** Shared secrets (kty "oct"): the legacy JWT secret, as `supabase functions serve` puts it in its JWKS. */
  readonly secrets: readonly Uint8Array[];
}

const PUBLIC_KEY_TYPES = new Set(["EC", "RSA", "OKP"]);
/** A JWKS is a handful of keys; a megabyte of them is a mistake, not a key set. */
const MAX_JWKS_CHARACTERS = 64 * 1024;

function base64UrlBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/**
 * Reads SUPABASE_JWKS in every shape Supabase provides it: `{ "keys": [...] }` (the CLI's serve,
 * the JWKS endpoint) or a bare array of keys (the hosted platform). Throws an Error whose message
 * says what is wrong, never the key material.
 */
export function parseProjectKeys(text: string): ProjectKeys {
  if (text.length > MAX_JWKS_CHARACTERS) throw new Error(`is longer than ${MAX_JWKS_CHARACTERS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error("is not JSON (expected a JWKS: {\"keys\": [...]} or an array of keys)");
  }
  const keys = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error("is not a JWKS (expected {\"keys\": [...]} or an array of keys)");
  const publicKeys: JWK[] = [];
  const secrets: Uint8Array[] = [];
  for (const [index, key] of keys.entries()) {
    const kty = (key as { kty?: unknown } | null)?.kty;
    if (typeof kty === "string" && PUBLIC_KEY_TYPES.has(kty)) {
      if ("d" in (key as object)) throw new Error(`key ${index} is a private key: publish only public keys`);
      publicKeys.push(key as JWK);
    } else if (kty === "oct" && typeof (key as { k?: unknown }).k === "string") {
      let secret: Uint8Array;
      try {
        secret = base64UrlBytes((key as { k: string }).k);
      } catch {
        throw new Error(`key ${index}'s "k" is not base64url`);
      }
      secrets.push(secret);
    } else {
      throw new Error(`key ${index} has no usable "kty" (EC, RSA, OKP or oct)`);
    }
  }
  if (publicKeys.length === 0 && secrets.length === 0) throw new Error("holds no keys");
  return { publicKeys, secrets };
}
