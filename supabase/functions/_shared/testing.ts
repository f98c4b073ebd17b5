/**
 * Fakes the functions' unit tests share (their handlers run with no stack): the project's signing key
 * with a platform admin's token, and a Temporal start that answers too late. Test code only: no
 * function imports it, so nothing deployed bundles it.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";

export interface ProjectSigner {
  /** The public key, as the project's JWKS serves it (kid "test"). */
  readonly jwk: JWK;
  /** A platform admin's valid token from `issuer`, changed by `claims` (an undefined claim is left out). */
  sign(claims?: JWTPayload): Promise<string>;
}

/** A project signing key (ES256) and one signed-in user to sign for. */
export async function projectSigner(issuer: string): Promise<ProjectSigner> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test", alg: "ES256" };
  const userId = crypto.randomUUID();
  return {
    jwk,
    sign(claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const all: JWTPayload = { role: "authenticated", [APP_ROLE_CLAIM]: PLATFORM_ADMIN_ROLE, sub: userId, aud: "authenticated", iss: issuer, iat: now, exp: now + 300, ...claims };
      const present = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
      return new SignJWT(present).setProtectedHeader({ alg: "ES256", kid: "test" }).sign(privateKey);
    },
  };
}

/** A proxy that takes 10 s to answer a start: like fetch, the call gives up when its signal aborts. */
export const startAnsweringTooLate: TemporalClient["startWorkflow"] = ({ signal }) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ status: "started", started: true, runId: "too-late" }), 10_000);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
