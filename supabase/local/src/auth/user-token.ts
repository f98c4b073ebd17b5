import crypto from "node:crypto";
import { APP_ROLE_CLAIM } from "@org-bootstrap/shared/stack-contract.ts";
import type { SigningKeys } from "./keys.ts";

export interface UserTokenRequest {
  readonly appRole: string;
  readonly sub?: string;
  readonly email?: string;
  readonly ttlSeconds?: number;
}

export const DEFAULT_USER_TOKEN_TTL_SECONDS = 3600;

/**
 * A user access token shaped like Supabase Auth's: role `authenticated`, `aud` authenticated,
 * and the application role in the custom claim `app_role` (what a custom access token hook adds).
 */
export function signUserToken(keys: SigningKeys, request: UserTokenRequest): Promise<string> {
  const sub = request.sub ?? crypto.randomUUID();
  const email = request.email ?? `${request.appRole.replace(/[^a-z0-9]+/gi, "-")}@example.test`;
  return keys.sign(
    {
      sub,
      aud: "authenticated",
      role: "authenticated",
      email,
      session_id: crypto.randomUUID(),
      app_metadata: { provider: "email", providers: ["email"] },
      user_metadata: {},
      [APP_ROLE_CLAIM]: request.appRole,
    },
    request.ttlSeconds ?? DEFAULT_USER_TOKEN_TTL_SECONDS,
  );
}
