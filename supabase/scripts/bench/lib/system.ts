/**
 * The system under benchmark: a stack of its own on free ports (durable commits, like production),
 * plus the clients a benchmark drives it with — supabase-js as the frontend, `pg` and
 * @temporalio/client for the floor and for checking what happened — and a worker it can start and
 * stop at will.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import WebSocket from "ws";
import { createClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import { Client, Connection } from "@temporalio/client";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";
import { type StackPorts } from "../../../local/src/config.ts";
import { signUserToken } from "../../../local/src/auth/user-token.ts";
import { freeStackPorts } from "../../../local/src/net.ts";
import { REPO_ROOT } from "../../../local/src/paths.ts";
import type { Progress } from "../../../local/src/log.ts";
import { startNodeService } from "../../../local/src/services/node-service.ts";
import type { ServiceProcess } from "../../../local/src/child-process.ts";
import { startStack, workerEnv, type Stack } from "../../../local/src/stack.ts";

export const FUNCTION_NAME = "organization-bootstrap";
/** A task queue nobody polls: a worker on it runs the reconciler but never executes a bootstrap (see backlog.ts). */
export const IDLE_TASK_QUEUE = "bench-idle";

export interface InvokeResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface BenchSystem {
  readonly stack: Stack;
  readonly dataDir: string;
  readonly ports: StackPorts;
  /** Superuser connections (floor inserts, setup, counting). */
  readonly db: pg.Pool;
  /** @temporalio/client straight to Temporal's gRPC port (floor, checks). */
  readonly temporal: Client;
  readonly adminToken: string;
  /** `supabase.functions.invoke` as the frontend calls it. */
  invoke(form: unknown, options?: { token?: string; idempotencyKey?: string }): Promise<InvokeResult>;
  /** The worker as a child process (`npm start`'s), with extra environment. */
  startWorker(extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** A valid, unique form (the function validates it exactly as a real one). */
export function benchForm(): BootstrapRequest {
  const tag = randomBytes(6).toString("hex");
  return {
    name: `Bench ${tag}`,
    subdomain: `b-${tag}`,
    contactEmail: `ops@${tag}.bench.test`,
    admins: [{ email: `ada@${tag}.bench.test`, firstName: "Ada" }, { email: `bob@${tag}.bench.test` }],
  };
}

export async function startBenchSystem(progress: Progress): Promise<BenchSystem> {
  const dataDir = path.join(REPO_ROOT, ".local", `bench-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const ports = await freeStackPorts();
  // Not ephemeral: fsync and synchronous commit on, as on a real database. Rate limits raised: one
  // admin token drives 50 concurrent callers here, which the per-caller limiter would (rightly) refuse.
  const stack = await startStack({
    dataDir,
    ports,
    ephemeral: false,
    worker: false,
    functionsEnv: { BOOTSTRAP_RATE_BURST: "10000", BOOTSTRAP_RATE_PER_MINUTE: "100000" },
  }, progress);
  const db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 60 });
  const connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: stack.env.TEMPORAL_NAMESPACE });
  const adminToken = await signUserToken(stack.keys, { appRole: PLATFORM_ADMIN_ROLE, ttlSeconds: 6 * 3600, sub: randomUUID() });
  const supabase: SupabaseClient = createClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
  const workers = new Set<ServiceProcess>();

  return {
    stack,
    dataDir,
    ports,
    db,
    temporal,
    adminToken,
    async invoke(form, options = {}) {
      const { data, error, response } = await supabase.functions.invoke(FUNCTION_NAME, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${options.token ?? adminToken}`,
          ...(options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {}),
        },
        body: form as Record<string, unknown>,
      });
      if (error instanceof FunctionsHttpError) {
        const res = error.context as Response;
        return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
      }
      if (error) throw error;
      return { status: response?.status ?? 200, body: data as Record<string, unknown> };
    },
    async startWorker(extraEnv = {}) {
      const worker = await startNodeService({
        name: "worker",
        entry: "workflows/src/worker/main.ts",
        dataDir,
        env: { ...workerEnv(stack.env, dataDir), WORKER_HTTP_PORT: String(ports.worker), CANARY_ENABLED: "false", ...extraEnv },
        ready: (log) => log.includes("worker polling"),
        timeoutMs: 120_000,
      });
      workers.add(worker);
      void worker.exited.then(() => workers.delete(worker));
      return worker;
    },
    async stop() {
      for (const worker of workers) await worker.stop();
      await supabase.removeAllChannels();
      await connection.close().catch(() => undefined);
      await db.end().catch(() => undefined);
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
