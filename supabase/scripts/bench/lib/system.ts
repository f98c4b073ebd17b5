/**
 * The system under benchmark: a stack of its own on free ports (durable commits, like production),
 * in a process of its own as `npm start` runs it (stack-process.ts), plus the clients a benchmark
 * drives it with — supabase-js as the frontend, `pg` and @temporalio/client for the floor and for
 * checking what happened — and a worker it can start and stop at will.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { createClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import { Client, Connection } from "@temporalio/client";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";
import type { StackOptions, StackPorts } from "../../../local/src/config.ts";
import { loadSigningKeys } from "../../../local/src/auth/keys.ts";
import { signUserToken } from "../../../local/src/auth/user-token.ts";
import { freeStackPorts } from "../../../local/src/net.ts";
import { REPO_ROOT } from "../../../local/src/paths.ts";
import type { Progress } from "../../../local/src/log.ts";
import { startNodeService } from "../../../local/src/services/node-service.ts";
import type { ServiceProcess } from "../../../local/src/child-process.ts";
import { workerEnv, type StackEnv } from "../../../local/src/stack.ts";
import { readStackState } from "../../../local/src/state.ts";
import { ARTIFACTS, buildArtifacts } from "../../../../workflows/scripts/artifacts.ts";
import { STACK_READY_LINE } from "./stack-process.ts";

export const FUNCTION_NAME = "organization-bootstrap";
/** The local stack's echo function (supabase/functions/stack-check): the way in to a function that does nothing. */
export const ECHO_FUNCTION_NAME = "stack-check";
/** A task queue nobody polls: a worker on it runs the reconciler but never executes a bootstrap (see backlog.ts). */
export const IDLE_TASK_QUEUE = "bench-idle";

export interface InvokeResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** The stack's process (Postgres, Temporal, the proxy and the Functions runtime are its children) and its URLs and keys. */
export interface BenchStack {
  readonly pid: number;
  readonly env: StackEnv;
}

export interface BenchSystem {
  readonly stack: BenchStack;
  readonly dataDir: string;
  readonly ports: StackPorts;
  /** Superuser connections (floor inserts, setup, counting). */
  readonly db: pg.Pool;
  /** @temporalio/client straight to Temporal's gRPC port (floor, checks). */
  readonly temporal: Client;
  readonly adminToken: string;
  /** `supabase.functions.invoke` as the frontend calls it. */
  invoke(form: unknown, options?: { token?: string; idempotencyKey?: string; functionName?: string }): Promise<InvokeResult>;
  /** The worker as a child process, built as its image ships it (dist/worker/main.js), with extra environment. */
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

/** Built once per benchmark run (every stack it starts uses it), removed when the run's process exits. */
const BUILT_DIR = path.join(REPO_ROOT, ".local", `bench-${process.pid}-dist`);
let built: Promise<string> | undefined;

/**
 * The worker as its image runs it: the esbuild bundle with the prebuilt workflow bundle, so a drain's
 * startup is node starting and connecting, not tsx compiling and webpack bundling.
 */
function builtWorker(progress: Progress): Promise<string> {
  built ??= (async () => {
    progress.step("building the worker as its image ships it (npm run build)");
    process.once("exit", () => fs.rmSync(BUILT_DIR, { recursive: true, force: true }));
    await buildArtifacts(BUILT_DIR);
    progress.done(`built ${path.relative(REPO_ROOT, BUILT_DIR)}`);
    return BUILT_DIR;
  })();
  return built;
}

/**
 * Runs stack-process.ts as a child (its output in <dataDir>/logs/bench-stack.log), passing its
 * progress lines on as they come, until it says it is ready.
 */
async function startStackProcess(options: StackOptions, progress: Progress): Promise<ServiceProcess> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  let forwarded = 0;
  return startNodeService({
    name: "bench-stack",
    entry: "supabase/scripts/bench/lib/stack-process.ts",
    dataDir: options.dataDir,
    env: { ...inherited, BENCH_STACK_OPTIONS: JSON.stringify(options) },
    ready: (log) => {
      const lines = log.split("\n").slice(0, -1);
      for (const line of lines.slice(forwarded)) {
        if (line.startsWith("✔ ")) progress.done(line.slice(2));
        else if (line.startsWith("! ")) progress.warn(line.slice(2));
        else if (line !== STACK_READY_LINE) progress.step(line.replace(/^… /, ""));
      }
      forwarded = lines.length;
      return lines.includes(STACK_READY_LINE);
    },
    timeoutMs: 300_000,
  });
}

export async function startBenchSystem(progress: Progress): Promise<BenchSystem> {
  const dataDir = path.join(REPO_ROOT, ".local", `bench-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const ports = await freeStackPorts();
  // Not ephemeral: fsync and synchronous commit on, as on a real database. Rate limits raised: one
  // admin token drives 50 concurrent callers here, which the per-caller limiter would (rightly) refuse.
  const stackProcess = await startStackProcess({
    dataDir,
    ports,
    ephemeral: false,
    worker: false,
    functionsEnv: { BOOTSTRAP_RATE_BURST: "10000", BOOTSTRAP_RATE_PER_MINUTE: "100000", DEACTIVATE_RATE_BURST: "10000", DEACTIVATE_RATE_PER_MINUTE: "100000" },
  }, progress);
  const env = readStackState(dataDir)?.env;
  if (!env) {
    await stackProcess.stop(60_000);
    throw new Error(`the benchmark stack wrote no ${path.join(dataDir, "stack.json")}`);
  }
  const stack: BenchStack = { pid: stackProcess.pid, env };
  const keys = await loadSigningKeys(dataDir, `${env.SUPABASE_URL}/auth/v1`);
  const db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 60 });
  const connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: stack.env.TEMPORAL_NAMESPACE });
  const adminToken = await signUserToken(keys, { appRole: PLATFORM_ADMIN_ROLE, ttlSeconds: 6 * 3600, sub: randomUUID() });
  const supabase: SupabaseClient = createClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const workers = new Set<ServiceProcess>();
  const builtDir = await builtWorker(progress);

  return {
    stack,
    dataDir,
    ports,
    db,
    temporal,
    adminToken,
    async invoke(form, options = {}) {
      const { data, error, response } = await supabase.functions.invoke(options.functionName ?? FUNCTION_NAME, {
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
        entry: path.join(builtDir, ARTIFACTS.worker),
        dataDir,
        env: {
          ...workerEnv(stack.env, dataDir),
          WORKFLOW_BUNDLE_PATH: path.join(builtDir, ARTIFACTS.workflowBundle),
          NODE_ENV: "production",
          WORKER_HTTP_PORT: String(ports.worker),
          CANARY_ENABLED: "false",
          ...extraEnv,
        },
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
      // Stopping Postgres and Temporal cleanly can take a while on a loaded machine.
      await stackProcess.stop(60_000);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
