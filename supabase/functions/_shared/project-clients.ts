import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { createTemporalClient, type TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { createTokenVerifier, TokenRejected, type TokenVerifier } from "./auth.ts";
import type { ProjectKeys } from "./jwks.ts";

/** The settings functionBaseShape gives every function (function-config.ts), AUTH_ISSUER resolved. */
export interface ProjectSettings {
  readonly SUPABASE_URL: string;
  readonly SUPABASE_SERVICE_ROLE_KEY: string;
  readonly SUPABASE_JWKS?: ProjectKeys | undefined;
  readonly LEGACY_JWT_SECRET?: string | undefined;
  readonly AUTH_ISSUER: string;
  readonly TEMPORAL_PROXY_URL: string;
  readonly TEMPORAL_PROXY_TOKEN: string;
  readonly TEMPORAL_NAMESPACE: string;
}

export interface ProjectClients {
  /** The database as service_role, through the Data API. */
  readonly db: SupabaseClient;
  /** Checks a caller's access token against the project's keys (asking Auth only for what they cannot verify). */
  readonly verifyToken: TokenVerifier;
  /** Starts workflows over gRPC-web through the proxy. */
  readonly temporal: TemporalClient;
}

/** What every function talks to, built once per isolate from its settings; `name` labels its requests. */
export function projectClients(config: ProjectSettings, name: string): ProjectClients {
  const db = createClient(config.SUPABASE_URL, config.SUPABASE_SERVICE_ROLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { "x-application-name": name } },
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
  const temporal = createTemporalClient({
    proxyUrl: config.TEMPORAL_PROXY_URL,
    proxyToken: config.TEMPORAL_PROXY_TOKEN,
    namespace: config.TEMPORAL_NAMESPACE,
    identity: `${name} edge function`,
  });
  return { db, verifyToken, temporal };
}
