import fs from "node:fs";
import path from "node:path";
import { HOST, TEMPORAL_NAMESPACE, type StackOptions } from "./config.ts";
import type { Progress } from "./log.ts";
import { startPostgres, type RunningPostgres } from "./postgres/cluster.ts";
import { migrate } from "./postgres/migrate.ts";
import { loadSigningKeys, type SigningKeys } from "./auth/keys.ts";
import { startGateway, type Gateway } from "./gateway/server.ts";
import { startTemporalDevServer, type RunningTemporal } from "./temporal/dev-server.ts";
import { MIGRATIONS_DIR } from "./paths.ts";
import { writeStackState } from "./state.ts";
import { reapOrphans, type ServiceProcess } from "./child-process.ts";
import { isPortFree, waitFor } from "./net.ts";
import { StackError } from "./errors.ts";
import { startNodeService } from "./services/node-service.ts";
import { loadProxyToken } from "./services/proxy-token.ts";

/** What `npm run status` prints: the same names `supabase status -o env` and the worker use. */
export interface StackEnv {
  SUPABASE_URL: string;
  SUPABASE_ANON_KEY: string;
  SUPABASE_SERVICE_ROLE_KEY: string;
  SUPABASE_DB_URL: string;
  SUPABASE_JWKS_URL: string;
  FUNCTIONS_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_UI_URL: string;
  TEMPORAL_PROXY_URL: string;
  TEMPORAL_PROXY_TOKEN: string;
}

export interface Stack {
  readonly env: StackEnv;
  readonly keys: SigningKeys;
  readonly gateway: Gateway;
  readonly postgres?: RunningPostgres;
  readonly temporal?: RunningTemporal;
  readonly proxy?: ServiceProcess;
  readonly worker?: ServiceProcess;
  readonly appliedMigrations: readonly string[];
  stop(): Promise<void>;
}

function authenticatorUrl(adminUrl: string): string {
  const url = new URL(adminUrl);
  url.username = "authenticator";
  return url.toString();
}

/** The worker's environment on the local stack: exactly what its deployment's ConfigMap and Secret carry. */
export function workerEnv(env: StackEnv, dataDir: string, httpPort?: number): Record<string, string> {
  return {
    ...(httpPort ? { WORKER_HTTP_PORT: String(httpPort) } : {}),
    SUPABASE_URL: env.SUPABASE_URL,
    SUPABASE_SERVICE_ROLE_KEY: env.SUPABASE_SERVICE_ROLE_KEY,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
    WORKFLOW_MODE: "local",
    LOCAL_OUTBOX_DIR: path.join(dataDir, "outbox"),
    NODE_ENV: "development",
  };
}

/**
 * Brings up Postgres, migrations, the API gateway (REST, Realtime, Functions, Auth JWKS) and Temporal.
 * Everything started here is stopped by `stop()`, in reverse order.
 */
export async function startStack(options: StackOptions, progress: Progress): Promise<Stack> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const reaped = reapOrphans(options.dataDir);
  if (reaped.length > 0) {
    progress.warn(`stopped ${reaped.join(", ")} left running by a previous stack that did not shut down`);
    await waitFor("left-over processes to exit", async () => (await isPortFree(options.ports.db)) && (await isPortFree(options.ports.temporal)), { timeoutMs: 20_000 }).catch(() => {});
  }
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    let postgres: RunningPostgres | undefined;
    let adminDbUrl: string;
    let apiDbUrl: string;
    if (options.externalDbUrl) {
      adminDbUrl = apiDbUrl = options.externalDbUrl;
      progress.done(`Postgres: using SUPABASE_DB_URL`);
    } else {
      progress.step(`starting Postgres on ${HOST}:${options.ports.db}`);
      postgres = await startPostgres({
        dataDir: options.dataDir,
        port: options.ports.db,
        ...(options.ephemeral ? { ephemeral: true } : {}),
        onInit: () => progress.done("created a new database cluster"),
        progress,
      });
      stops.push(() => postgres!.stop());
      adminDbUrl = postgres.url;
      apiDbUrl = authenticatorUrl(postgres.url);
      progress.done(`Postgres is up (logs: ${path.relative(process.cwd(), postgres.process.logFile)})`);
    }

    progress.step("applying migrations");
    const migrations = await migrate(adminDbUrl, MIGRATIONS_DIR);
    progress.done(
      migrations.applied.length > 0
        ? `applied ${migrations.applied.length} migration(s): ${migrations.applied.join(", ")}`
        : `migrations up to date (${migrations.skipped} already applied)`,
    );

    let temporal: RunningTemporal | undefined;
    let temporalAddress: string;
    let temporalUiUrl: string;
    if (options.externalTemporalAddress) {
      temporalAddress = options.externalTemporalAddress;
      temporalUiUrl = process.env.TEMPORAL_UI_URL ?? "";
      progress.done(`Temporal: using TEMPORAL_ADDRESS=${temporalAddress}`);
    } else {
      progress.step(`starting Temporal dev server on ${HOST}:${options.ports.temporal}`);
      temporal = await startTemporalDevServer({
        dataDir: options.dataDir,
        ports: { grpc: options.ports.temporal, ui: options.ports.temporalUi, http: options.ports.temporalHttp },
        progress,
        ...(options.ephemeral ? { ephemeral: true } : {}),
      });
      stops.push(() => temporal!.stop());
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
      progress.done(`Temporal is up (Web UI ${temporal.uiUrl})`);
    }

    const publicUrl = `http://${HOST}:${options.ports.api}`;
    const keys = await loadSigningKeys(options.dataDir, `${publicUrl}/auth/v1`);
    const env: StackEnv = {
      SUPABASE_URL: publicUrl,
      SUPABASE_ANON_KEY: keys.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
      SUPABASE_DB_URL: adminDbUrl,
      SUPABASE_JWKS_URL: `${publicUrl}/auth/v1/.well-known/jwks.json`,
      FUNCTIONS_URL: `${publicUrl}/functions/v1`,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE,
      TEMPORAL_UI_URL: temporalUiUrl,
      TEMPORAL_PROXY_URL: `http://${HOST}:${options.ports.proxy}`,
      TEMPORAL_PROXY_TOKEN: loadProxyToken(options.dataDir),
    };

    let proxy: ServiceProcess | undefined;
    if (options.proxy !== false) {
      if (!(await isPortFree(options.ports.proxy))) {
        throw new StackError(`port ${options.ports.proxy} (Temporal proxy) is already in use`, "stop whatever listens there (a proxy left from another run?)");
      }
      progress.step(`starting the Temporal gRPC-web proxy on ${env.TEMPORAL_PROXY_URL}`);
      proxy = await startNodeService({
        name: "temporal-proxy",
        entry: "workflows/src/proxy/main.ts",
        dataDir: options.dataDir,
        env: {
          TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
          TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
          TEMPORAL_PROXY_TOKEN: env.TEMPORAL_PROXY_TOKEN,
          TEMPORAL_PROXY_HOST: options.proxyBindHost ?? HOST,
          TEMPORAL_PROXY_PORT: String(options.ports.proxy),
        },
        ready: (log) => log.includes("proxy listening"),
      });
      stops.push(() => proxy!.stop());
      progress.done("Temporal proxy is up");
    }

    progress.step(`starting the API gateway on ${publicUrl}`);
    const gateway = await startGateway(
      {
        keys,
        apiDbUrl,
        adminDbUrl,
        publicUrl,
        dataDir: options.dataDir,
        functionsEnv: {
          SUPABASE_URL: env.SUPABASE_URL,
          SUPABASE_ANON_KEY: env.SUPABASE_ANON_KEY,
          SUPABASE_SERVICE_ROLE_KEY: env.SUPABASE_SERVICE_ROLE_KEY,
          SUPABASE_DB_URL: env.SUPABASE_DB_URL,
          SUPABASE_JWKS: JSON.stringify(keys.jwks),
          // What this stack's Auth writes in `iss`. Set here, not left to supabase/functions/.env, so a
          // .env made for `supabase functions serve` (AUTH_ISSUER=http://127.0.0.1:54321/auth/v1) is
          // skipped rather than refusing every token of a stack on other ports.
          AUTH_ISSUER: `${publicUrl}/auth/v1`,
          TEMPORAL_PROXY_URL: env.TEMPORAL_PROXY_URL,
          TEMPORAL_PROXY_TOKEN: env.TEMPORAL_PROXY_TOKEN,
          TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
          ...(env.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: env.TEMPORAL_UI_URL } : {}),
          ...options.functionsEnv,
        },
      },
      options.ports.api,
    );
    stops.push(() => gateway.close());
    progress.done(`API gateway is up (REST, Realtime, Functions, Auth)`);

    let worker: ServiceProcess | undefined;
    if (options.worker !== false) {
      progress.step("starting the Temporal worker (bundling workflows takes a few seconds)");
      worker = await startNodeService({
        name: "worker",
        entry: "workflows/src/worker/main.ts",
        dataDir: options.dataDir,
        env: workerEnv(env, options.dataDir, options.ports.worker),
        ready: (log) => log.includes("worker polling"),
        timeoutMs: 120_000,
      });
      stops.push(() => worker!.stop());
      progress.done("worker is polling");
    }

    writeStackState(options.dataDir, { pid: process.pid, env });
    return {
      env,
      keys,
      gateway,
      ...(postgres ? { postgres } : {}),
      ...(temporal ? { temporal } : {}),
      ...(proxy ? { proxy } : {}),
      ...(worker ? { worker } : {}),
      appliedMigrations: migrations.applied,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
