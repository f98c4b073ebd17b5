/**
 * organization-bootstrap: records `organization.bootstrap.initiated` and starts the workflow
 * `org-bootstrap-{organizationId}` over gRPC-web through the Temporal proxy, in one request.
 * JWTs are verified here against the project's JWKS (verify_jwt = false in config.toml, as
 * Supabase advises for asymmetric signing keys).
 */
import { createClient } from "@supabase/supabase-js";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { jwksFor } from "./auth.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { supabaseEventStore } from "./event-store.ts";
import { createBootstrapHandler, type ServeInfo } from "./handler.ts";
import { json } from "./http.ts";
import { jsonLog } from "./log.ts";
import { supabaseStatusReader } from "./status.ts";

function buildHandler(): (request: Request, info?: ServeInfo) => Promise<Response> {
  try {
    const config = loadConfig(Deno.env.toObject());
    const db = createClient(config.SUPABASE_URL, config.SUPABASE_SERVICE_ROLE_KEY, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: { headers: { "x-application-name": "organization-bootstrap" } },
    });
    return createBootstrapHandler({
      config,
      jwks: jwksFor(config.SUPABASE_URL, config.SUPABASE_JWKS),
      store: supabaseEventStore(db),
      statusReader: supabaseStatusReader(db),
      temporal: createTemporalClient({
        proxyUrl: config.TEMPORAL_PROXY_URL,
        proxyToken: config.TEMPORAL_PROXY_TOKEN,
        namespace: config.TEMPORAL_NAMESPACE,
        identity: "organization-bootstrap edge function",
      }),
      log: jsonLog,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One clear line in the function's log; callers get a 503 without internals.
    jsonLog.error(error.message);
    return () => Promise.resolve(json(503, { error: { code: "misconfigured", message: "the service is not configured; the operator has been told in the logs" } }));
  }
}

Deno.serve(buildHandler());
