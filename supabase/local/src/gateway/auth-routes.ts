import type { IncomingMessage, ServerResponse } from "node:http";
import type { SigningKeys } from "../auth/keys.ts";
import { bearerToken, sendJson } from "./http-util.ts";

/**
 * The two Auth endpoints the product relies on: the JWKS (for getClaims and jose) and
 * GET /user, which supabase-js falls back to when a token's key is not in the JWKS.
 */
export async function handleAuth(keys: SigningKeys, req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void> {
  if (req.method === "GET" && subpath === "/.well-known/jwks.json") {
    sendJson(res, 200, keys.jwks, { "cache-control": "public, max-age=600" });
    return;
  }
  if (req.method === "GET" && subpath === "/user") {
    const token = bearerToken(req);
    if (!token) {
      sendJson(res, 401, { code: 401, error_code: "no_authorization", msg: "This endpoint requires a Bearer token" });
      return;
    }
    try {
      const claims = await keys.verify(token);
      if (claims.role !== "authenticated" || typeof claims.sub !== "string") throw new Error("not a user token");
      sendJson(res, 200, {
        id: claims.sub,
        aud: claims.aud,
        role: claims.role,
        email: claims.email,
        app_metadata: claims.app_metadata ?? {},
        user_metadata: claims.user_metadata ?? {},
      });
    } catch {
      sendJson(res, 403, { code: 403, error_code: "bad_jwt", msg: "invalid JWT: unable to parse or verify signature" });
    }
    return;
  }
  sendJson(res, 404, { code: 404, error_code: "not_found", msg: "not found in the local stack's Auth subset" });
}
