/**
 * The whole system on a stack of its own, with every part a separate process the suite can break:
 * the worker (kill -9, SIGSTOP), the gRPC-web proxy (kill, and a delay shim between it and
 * Temporal), Temporal and Postgres (stop and start again on the same data), Realtime (the gateway's
 * fault hooks). The worker is supervised like a Kubernetes pod: whenever it exits it is started again,
 * and exits the suite did not cause are counted.
 */
import fs from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { Client, Connection } from "@temporalio/client";
import { HOST } from "../../../local/src/config.ts";
import type { ServiceProcess } from "../../../local/src/child-process.ts";
import { silentProgress } from "../../../local/src/log.ts";
import { freeStackPorts } from "../../../local/src/net.ts";
import { REPO_ROOT } from "../../../local/src/paths.ts";
import { startPostgres, type RunningPostgres } from "../../../local/src/postgres/cluster.ts";
import { startNodeService } from "../../../local/src/services/node-service.ts";
import { startStack, workerEnv, type Stack, type StackEnv } from "../../../local/src/stack.ts";
import { startTemporalDevServer, type RunningTemporal } from "../../../local/src/temporal/dev-server.ts";
import type { SigningKeys } from "../../../local/src/auth/keys.ts";
import { startDelayShim, type DelayShim } from "./tcp-delay.ts";

export type FaultName =
  | "worker killed (SIGKILL)"
  | "worker paused (SIGSTOP)"
  | "proxy killed (SIGKILL)"
  | "Temporal stopped and restarted"
  | "Postgres crashed (SIGQUIT) and restarted"
  | "Postgres stopped (fast shutdown) and restarted"
  | "Realtime sockets dropped"
  | "Realtime silently paused"
  | "Temporal slow behind the proxy";

export interface ChaosSystem {
  readonly env: StackEnv;
  readonly keys: SigningKeys;
  readonly dataDir: string;
  /** Superuser connections for verification (they reconnect after a Postgres restart). */
  readonly db: pg.Pool;
  readonly temporal: Client;
  readonly shim: DelayShim;
  /** Every fault injected so far, in order. */
  readonly faults: FaultName[];
  /** Worker exits the suite did not cause (a crash is a finding even when the restart hides it). */
  readonly unexpectedWorkerExits: string[];
  /** What the harness observed while injecting faults (slow shutdowns, refused restarts), for the report. */
  readonly notes: string[];
  killWorker(): Promise<void>;
  pauseWorker(ms: number): Promise<void>;
  killProxy(): Promise<void>;
  startProxy(): Promise<void>;
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  crashPostgres(): Promise<void>;
  /** A clean restart's first half: a fast shutdown (SIGINT) that must finish on its own, with Realtime connected. */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  realtime(action: "drop" | "pause" | "resume"): Promise<void>;
  /** Waits until the worker process is polling again (after a kill or a crash). */
  workerReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A fast shutdown takes well under a second here; one this long means something holds it up. */
const POSTGRES_FAST_SHUTDOWN_LIMIT_MS = 10_000;

/** The reconciler tuned for a test: sweep every 5 s (grace 2 s), a canary every 2 s, on a free HTTP port. */
export const CHAOS_WORKER_ENV = { RECONCILE_INTERVAL: "5s", RECONCILE_GRACE: "2s", CANARY_INTERVAL: "2s", CANARY_TIMEOUT: "1s" } as const;

export async function startChaosSystem(name: string): Promise<ChaosSystem> {
  const dataDir = path.join(REPO_ROOT, ".local", `chaos-${name}-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const ports = await freeStackPorts();
  // Proxy and worker are started here instead, so the suite owns them (and the shim in front of Temporal).
  // Durable commits (not ephemeral): a crashed Postgres must not take acknowledged commits with it.
  const stack: Stack = await startStack({ dataDir, ports, ephemeral: false, proxy: false, worker: false }, silentProgress);
  const { env } = stack;
  const temporalPort = Number(env.TEMPORAL_ADDRESS.split(":").at(-1));
  const shim = await startDelayShim(HOST, temporalPort);
  let postgres: RunningPostgres | undefined = stack.postgres;
  let temporal: RunningTemporal | undefined = stack.temporal;
  let proxy: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;
  let workerStarting: Promise<void> | undefined;
  let expectedExit = false;
  let stopping = false;
  const notes: string[] = [];
  const faults: FaultName[] = [];
  const unexpectedWorkerExits: string[] = [];

  const startProxy = async () => {
    proxy = await startNodeService({
      name: "temporal-proxy",
      entry: "workflows/src/proxy/main.ts",
      dataDir,
      env: {
        TEMPORAL_ADDRESS: shim.address,
        TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
        TEMPORAL_PROXY_TOKEN: env.TEMPORAL_PROXY_TOKEN,
        TEMPORAL_PROXY_HOST: HOST,
        TEMPORAL_PROXY_PORT: String(ports.proxy),
      },
      ready: (log) => log.includes("proxy listening"),
    });
  };

  // Restarted whenever it exits, as a deployment's restart policy would.
  const superviseWorker = (): Promise<void> => {
    workerStarting ??= (async () => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const started = await startNodeService({
            name: "worker",
            entry: "workflows/src/worker/main.ts",
            dataDir,
            env: { ...workerEnv(env, dataDir), WORKER_HTTP_PORT: String(ports.worker), ...CHAOS_WORKER_ENV },
            ready: (log) => log.includes("worker polling"),
            timeoutMs: 180_000,
          });
          worker = started;
          void started.exited.then((code) => {
            if (worker === started) worker = undefined;
            if (stopping) return;
            if (!expectedExit) unexpectedWorkerExits.push(`exit code ${code}: ${tailOf(started.logFile)}`);
            expectedExit = false;
            void superviseWorker();
          });
          return;
        } catch (error) {
          // Temporal or Postgres down: the worker refuses to start; try again, like a crash-looping pod.
          if (stopping || attempt >= 60) throw error;
          await delay(1_000);
        }
      }
    })().finally(() => (workerStarting = undefined));
    return workerStarting;
  };

  await startProxy();
  await superviseWorker();
  const db = new pg.Pool({ connectionString: env.SUPABASE_DB_URL, max: 8 });
  db.on("error", () => {}); // idle clients die with a Postgres restart; the pool replaces them
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });

  return {
    env,
    keys: stack.keys,
    dataDir,
    db,
    temporal: client,
    shim,
    faults,
    unexpectedWorkerExits,
    notes,
    async killWorker() {
      faults.push("worker killed (SIGKILL)");
      const victim = worker;
      if (!victim) throw new Error("no worker is running to kill");
      expectedExit = true;
      process.kill(victim.pid, "SIGKILL");
      await victim.exited;
    },
    async pauseWorker(ms) {
      faults.push("worker paused (SIGSTOP)");
      const victim = worker;
      if (!victim) throw new Error("no worker is running to pause");
      process.kill(victim.pid, "SIGSTOP");
      try {
        await delay(ms); // the fault's length is the scenario's parameter
      } finally {
        process.kill(victim.pid, "SIGCONT");
      }
    },
    async killProxy() {
      faults.push("proxy killed (SIGKILL)");
      const victim = proxy;
      if (!victim) throw new Error("no proxy is running to kill");
      process.kill(victim.pid, "SIGKILL");
      await victim.exited;
      proxy = undefined;
    },
    startProxy,
    async stopTemporal() {
      faults.push("Temporal stopped and restarted");
      const began = Date.now();
      await temporal?.stop();
      notes.push(`Temporal shutdown took ${Date.now() - began} ms`);
      temporal = undefined;
    },
    async startTemporal() {
      temporal = await startTemporalDevServer({
        dataDir,
        ports: { grpc: temporalPort, ui: ports.temporalUi, http: ports.temporalHttp },
        progress: silentProgress,
      });
    },
    async crashPostgres() {
      faults.push("Postgres crashed (SIGQUIT) and restarted");
      const victim = postgres;
      if (!victim) throw new Error("Postgres is not running");
      // Immediate shutdown: every backend exits at once, no checkpoint; the next start recovers from WAL.
      victim.process.child.kill("SIGQUIT");
      await victim.process.exited;
      postgres = undefined;
    },
    async stopPostgres() {
      faults.push("Postgres stopped (fast shutdown) and restarted");
      const victim = postgres;
      if (!victim) throw new Error("Postgres is not running");
      const began = Date.now();
      victim.process.child.kill("SIGINT");
      // A fast shutdown ends once every walsender has seen its position confirmed; a replication client
      // that never confirms it holds Postgres up for ever. Give it far longer than it needs, then fail.
      const code = await Promise.race([victim.process.exited, delay(POSTGRES_FAST_SHUTDOWN_LIMIT_MS, "hung" as const, { ref: false })]);
      if (code === "hung") {
        victim.process.child.kill("SIGKILL");
        await victim.process.exited;
        postgres = undefined;
        throw new Error(`Postgres did not finish a fast shutdown within ${POSTGRES_FAST_SHUTDOWN_LIMIT_MS / 1000} s (killed)`);
      }
      notes.push(`Postgres fast shutdown took ${Date.now() - began} ms (exit code ${code})`);
      postgres = undefined;
    },
    async startPostgres() {
      postgres = await startPostgres({ dataDir, port: ports.db });
    },
    async realtime(action) {
      if (action === "drop") faults.push("Realtime sockets dropped");
      if (action === "pause") faults.push("Realtime silently paused");
      const response = await fetch(`${env.SUPABASE_URL}/_stack/realtime/${action}`, { method: "POST", headers: { apikey: env.SUPABASE_SERVICE_ROLE_KEY } });
      if (response.status !== 200) throw new Error(`realtime ${action}: HTTP ${response.status}`);
    },
    async workerReady(timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      while (!worker) {
        if (Date.now() > deadline) throw new Error("the worker did not come back");
        await (workerStarting ?? delay(100));
      }
    },
    async stop() {
      stopping = true;
      await workerStarting?.catch(() => undefined);
      await worker?.stop();
      await proxy?.stop();
      await connection.close().catch(() => undefined);
      await db.end().catch(() => undefined);
      await shim.close();
      await stack.stop();
      // Restarted services are not the stack's: stop them after the gateway has closed.
      if (temporal !== stack.temporal) await temporal?.stop();
      if (postgres !== stack.postgres) await postgres?.stop();
      if (!process.env.KEEP_TEST_STACK) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function tailOf(logFile: string): string {
  try {
    return fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-3).join(" | ").slice(0, 500);
  } catch {
    return "(no log)";
  }
}
