/**
 * The Auth endpoints a frontend uses through supabase-js (auth-js 2.119), answered as Supabase
 * Auth (supabase/auth internal/api) answers them:
 *
 *   GET  /.well-known/jwks.json              the public signing key (getClaims, jose)
 *   POST /signup                             signUp: no e-mail confirmation, so a session at once
 *   POST /token?grant_type=password          signInWithPassword
 *   POST /token?grant_type=refresh_token     refreshSession (refresh token rotation)
 *   GET  /user                               getUser, read from auth.users
 *   POST /logout?scope=global|local|others   signOut
 *
 * Everything but the JWKS needs one of the project's API keys, as the platform's gateway asks.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readAuthConfig } from "../auth/auth-config.ts";
import { createAuthDb } from "../auth/auth-db.ts";
import { AuthError, badRequest, sendAuthError } from "../auth/auth-error.ts";
import { createAuthService, type AuthService, type Credentials } from "../auth/auth-service.ts";
import type { ClientInfo, LogoutScope } from "../auth/sessions.ts";
import { CONFIG_TOML } from "../paths.ts";
import { verifyApiKey } from "./api-key.ts";
import { bearerToken, BodyTooLargeError, readBody, sendJson } from "./http-util.ts";
import type { GatewayDeps, HttpService } from "./types.ts";

/** Auth's request bodies are a few hundred bytes; user metadata included, 64 KiB is plenty. */
const MAX_BODY_BYTES = 64 * 1024;
/** Stored on the session; a longer User-Agent is cut, never refused. */
const MAX_USER_AGENT_LENGTH = 512;
const LOGOUT_SCOPES: ReadonlySet<string> = new Set(["global", "local", "others"]);

type Body = Record<string, unknown>;

/** The JSON object of a request, or GoTrue's 400 bad_json. */
async function readJson(req: IncomingMessage): Promise<Body> {
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new AuthError(413, "request_entity_too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes`);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw badRequest("bad_json", `Could not parse request body as JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest("bad_json", "Could not parse request body as JSON: expected an object");
  return parsed as Body;
}

/** A string field, absent or "" allowed; any other type is bad_json, as Go's decoder refuses it. */
function stringField(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest("bad_json", `Could not parse request body as JSON: ${name} must be a string`);
  return value;
}

function credentials(body: Body): Credentials {
  const email = stringField(body, "email");
  const phone = stringField(body, "phone");
  const password = stringField(body, "password");
  return { ...(email ? { email } : {}), ...(phone ? { phone } : {}), ...(password !== undefined ? { password } : {}) };
}

function userMetadata(body: Body): Record<string, unknown> {
  const data = body.data;
  if (data === undefined || data === null) return {};
  if (typeof data !== "object" || Array.isArray(data)) throw badRequest("bad_json", "Could not parse request body as JSON: data must be an object");
  return data as Record<string, unknown>;
}

function clientInfo(req: IncomingMessage): ClientInfo {
  const agent = req.headers["user-agent"];
  const ip = req.socket.remoteAddress;
  return { ...(agent ? { userAgent: agent.slice(0, MAX_USER_AGENT_LENGTH) } : {}), ...(ip ? { ip } : {}) };
}

function requireBearer(req: IncomingMessage): string {
  const token = bearerToken(req);
  if (!token) throw new AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  return token;
}

export async function createAuthRoutes(deps: GatewayDeps, configFile = CONFIG_TOML): Promise<HttpService> {
  const config = readAuthConfig(configFile);
  const db = createAuthDb(deps.adminDbUrl);
  const auth: AuthService = createAuthService({ db, keys: deps.keys, config, issuer: `${deps.publicUrl}/auth/v1` });

  async function route(req: IncomingMessage, res: ServerResponse, subpath: string, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    if (method === "POST" && subpath === "/signup") {
      const body = await readJson(req);
      return sendJson(res, 200, await auth.signUp({ ...credentials(body), data: userMetadata(body) }, clientInfo(req)));
    }
    if (method === "POST" && subpath === "/token") {
      const grantType = url.searchParams.get("grant_type");
      const body = await readJson(req);
      if (grantType === "password") return sendJson(res, 200, await auth.signInWithPassword(credentials(body), clientInfo(req)));
      if (grantType === "refresh_token") return sendJson(res, 200, await auth.refresh(stringField(body, "refresh_token") ?? "", clientInfo(req)));
      // GoTrue's own wording for every other grant (id_token, pkce, web3 are not served here).
      throw badRequest("invalid_credentials", "unsupported_grant_type");
    }
    if (method === "GET" && subpath === "/user") {
      return sendJson(res, 200, await auth.getUser(requireBearer(req)));
    }
    if (method === "POST" && subpath === "/logout") {
      // An empty scope means global, as in GoTrue.
      const scope = url.searchParams.get("scope") || "global";
      if (!LOGOUT_SCOPES.has(scope)) throw badRequest("validation_failed", `Unsupported logout scope ${JSON.stringify(scope)}`);
      await auth.logout(requireBearer(req), scope as LogoutScope);
      res.writeHead(204).end();
      return;
    }
    sendJson(res, 404, { code: 404, error_code: "not_found", msg: "not found in the local stack's Auth subset" });
  }

  return {
    async handle(req, res, subpath, url) {
      // supabase-js reads the API version from the answer; a cross-origin page may only if it is exposed (GoTrue's CORS does).
      res.setHeader("access-control-expose-headers", "content-range, content-location, x-request-id, x-supabase-api-version");
      if (req.method === "GET" && subpath === "/.well-known/jwks.json") {
        return sendJson(res, 200, deps.keys.jwks, { "cache-control": "public, max-age=600" });
      }
      const apiKey = req.headers.apikey;
      if (!(await verifyApiKey(deps.keys, typeof apiKey === "string" ? apiKey : url.searchParams.get("apikey") ?? undefined))) {
        return sendJson(res, 401, { message: typeof apiKey === "string" ? "Invalid API key" : "No API key found in request" });
      }
      try {
        await route(req, res, subpath, url);
      } catch (error) {
        if (!(error instanceof AuthError) && !(error instanceof Error && error.name === "OAuthError")) {
          // Never the request or its secrets: only what failed.
          console.error(`[auth] ${req.method} ${subpath} failed: ${(error as Error).message}`);
        }
        sendAuthError(req, res, error);
      }
    },
    close: () => db.close(),
  };
}
