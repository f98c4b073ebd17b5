import pg from "pg";
import type { GatewayDeps, HttpService } from "../types.ts";
import { authenticate } from "./auth.ts";
import { fromDatabaseError, isDatabaseError, pgrstError, RestError } from "./errors.ts";
import { handleRpc } from "./handle-rpc.ts";
import { handleTable } from "./handle-table.ts";
import { sendRestError } from "./respond.ts";
import { SchemaCache } from "./schema-cache.ts";
import { withVerifiedTokenCache } from "../token-cache.ts";

/** API connections: one per in-flight request, like PostgREST's pool (db-pool, default 10). */
const POOL_SIZE = 10;

type Route = { readonly kind: "table" | "rpc"; readonly name: string };

function route(subpath: string): Route {
  let segments: string[];
  try {
    segments = subpath.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw pgrstError(400, "PGRST125", "Invalid path specified in request URL", { details: "malformed percent-encoding" });
  }
  if (segments.length === 1) return { kind: "table", name: segments[0]! };
  if (segments.length === 2 && segments[0] === "rpc") return { kind: "rpc", name: segments[1]! };
  throw pgrstError(404, "PGRST125", "Invalid path specified in request URL", {
    hint: segments.length === 0 ? "The local stack does not serve PostgREST's OpenAPI description at /rest/v1/" : null,
  });
}

/**
 * The PostgREST subset behind /rest/v1, enough for supabase-js 2.x unchanged: tables and views
 * (select, filters, order, limit/offset, insert/upsert, update, delete, singular responses,
 * counts) and RPC, each request in its own transaction as the caller's role so GRANTs and RLS
 * are enforced by Postgres itself.
 */
export async function createRestService(deps: GatewayDeps): Promise<HttpService> {
  const pool = new pg.Pool({ connectionString: deps.apiDbUrl, max: POOL_SIZE, application_name: "local-stack rest" });
  const admin = new pg.Pool({ connectionString: deps.adminDbUrl, max: 2, application_name: "local-stack rest schema cache" });
  // An idle connection dropped by Postgres (restart, terminate) must not take the gateway down.
  const onIdleError = (error: Error) => console.error(`[rest] idle database connection failed: ${error.message}`);
  pool.on("error", onIdleError);
  admin.on("error", onIdleError);
  const schema = new SchemaCache(admin);
  const keys = withVerifiedTokenCache(deps.keys);

  return {
    async handle(req, res, subpath, url) {
      let role = "anon";
      try {
        const caller = await authenticate(keys, req, url);
        role = caller.role;
        const target = route(subpath);
        const ctx = {
          req,
          res,
          url,
          pool,
          schema,
          settings: { role, claims: caller.claims, method: req.method ?? "GET", path: subpath, headers: req.headers },
        };
        if (target.kind === "rpc") await handleRpc(ctx, target.name);
        else await handleTable(ctx, target.name);
      } catch (error) {
        sendRestError(res, toRestError(error, role, `${req.method} ${url.pathname}`));
      }
    },
    async close() {
      await Promise.all([pool.end(), admin.end()]);
    },
  };
}

/** Postgres errors keep their SQLSTATE and message (PostgREST's body); anything else is logged and hidden. */
function toRestError(error: unknown, role: string, request: string): RestError {
  if (error instanceof RestError) return error;
  if (isDatabaseError(error)) return fromDatabaseError(error, role);
  console.error(`[rest] ${request} failed:`, error);
  return pgrstError(500, "PGRSTX00", "Internal server error", { hint: "see the local stack's log" });
}
