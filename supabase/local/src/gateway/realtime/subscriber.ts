import type { SigningKeys } from "../../auth/keys.ts";
import type { Subscriber } from "./subscriptions.ts";

export type SubscriberResult =
  | { readonly ok: true; readonly subscriber: Subscriber; /** Epoch milliseconds. */ readonly expiresAt: number }
  | { readonly ok: false; readonly reason: string };

/**
 * A channel's access token → the role and claims its changes are filtered with. Like Realtime,
 * the token must verify against the project's keys and carry `role` and `exp`; an expired or
 * forged token is refused, never downgraded to anon.
 */
export async function subscriberFromToken(keys: SigningKeys, token: unknown): Promise<SubscriberResult> {
  if (typeof token !== "string" || token === "") return { ok: false, reason: "access_token must be a JWT string" };
  try {
    const claims = await keys.verify(token);
    if (typeof claims.role !== "string" || claims.role === "" || typeof claims.exp !== "number") {
      return { ok: false, reason: "Fields `role` and `exp` are required in JWT" };
    }
    return { ok: true, subscriber: { role: claims.role, claims }, expiresAt: claims.exp * 1000 };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, reason: code === "ERR_JWT_EXPIRED" ? "Token has expired" : "Invalid JWT: the signature or format does not verify" };
  }
}
