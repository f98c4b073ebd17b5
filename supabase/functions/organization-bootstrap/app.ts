import { createClient } from "@supabase/supabase-js";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { createTokenVerifier, TokenRejected } from "./auth.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { supabaseEventStore } from "./event-store.ts";
import { createBootstrapHandler, type ServeInfo } from "./handler.ts";
import { json } from "./http.ts";
import type { Log } from "./log.ts";
import { supabaseStatusReader } from "./status.ts";

export type Handler = (request: Request, info?: ServeInfo) => Promise<Response>;

/**
 * The function's handler, built from its environment. A misconfiguration never crashes the
 * function: it logs one line naming every problem and its fix, and every request gets 503
 * `misconfigured` without internals.
 */
export function buildHandler(env: Readonly<Record<string, string | undefined>>, log: Log): Handler {
  try {
    const config = loadConfig(env);
    const db = createClient(config.SUPABASE_URL, config.SUPABASE_SERVICE_ROLE_KEY, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: { headers: { "x-application-name": "organization-bootstrap" } },
    });
    const verifyToken = createTokenVerifier({
      supabaseUrl: config.SUPABASE_URL,
      issuer: config.AUTH_ISSUER,
      ...(config.SUPABASE_JWKS ? { projectKeys: config.SUPABASE_JWKS } : {}),
      ...(config.LEGACY_JWT_SECRET ? { legacySecret: new TextEncoder().encode(config.LEGACY_JWT_SECRET) } : {}),
      askAuth: async (token) => {
        const { data, error } = await db.auth.getClaims(token);
        if (error || !data) throw new TokenRejected(/expired/i.test(error?.message ?? ""), "the access token is not valid");
        return data.claims;
      },
    });
    return createBootstrapHandler({
      config,
      verifyToken,
      store: supabaseEventStore(db),
      statusReader: supabaseStatusReader(db),
      temporal: createTemporalClient({
        proxyUrl: config.TEMPORAL_PROXY_URL,
        proxyToken: config.TEMPORAL_PROXY_TOKEN,
        namespace: config.TEMPORAL_NAMESPACE,
        identity: "organization-bootstrap edge function",
      }),
      log,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(error.message);
    return () => Promise.resolve(json(503, { error: { code: "misconfigured", message: "the service is not configured; the operator has been told in the logs" } }));
  }
}
