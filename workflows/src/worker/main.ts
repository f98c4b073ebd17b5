/**
 * The worker process: `tsx workflows/src/worker/main.ts`. Validates its environment, then runs the
 * worker as worker-process.ts wires it (Supabase checked, Temporal connected, the reconciler built
 * with both, /healthz /readyz /metrics, the worker polling, the reconciler beside it), and on
 * SIGTERM/SIGINT drains (the reconciler stops, in-flight activities finish), closes its
 * connections and exits 0. Its routine lines, the reconciler's and the Temporal SDK's are the shared
 * JSON log lines (shared/src/log-line.ts); a worker that cannot start says why on stderr in plain words.
 */
import { consoleLog } from "../reconciler/log.ts";
import { formatEnvProblems, parseWorkerEnv } from "./env.ts";
import type { WorkerProcess } from "./worker-process.ts";

const log = consoleLog();

function fail(message: string, fix?: string): never {
  process.stderr.write(`✖ ${message}\n${fix ? `  fix: ${fix}\n` : ""}`);
  process.exit(1);
}

/** A running worker's end by failure: a log line like any other, then exit 1. */
function exitWithError(message: string, error: unknown): never {
  log.error(message, error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

// 1. The environment: every problem at once, with its fix.
const parsed = parseWorkerEnv(process.env);
if (!parsed.ok) {
  process.stderr.write(`${formatEnvProblems(parsed.problems)}\n`);
  process.exit(1);
}
const { config } = parsed;

// Loaded only once the environment is valid, so a bad environment prints nothing but its problems
// and exits before the SDK and the clients load.
const { Runtime } = await import("@temporalio/worker");
const { sdkLogger } = await import("./sdk-log.ts");
const { StartupError } = await import("./preflight.ts");
const { startWorkerProcess } = await import("./worker-process.ts");

// Signals are ours: the reconciler must stop before the worker drains.
Runtime.install({ shutdownSignals: [], logger: sdkLogger(config.nodeEnv === "production" ? "INFO" : "WARN") });

// 2. Everything else, wired top to bottom in worker-process.ts.
let running: WorkerProcess;
try {
  running = await startWorkerProcess(config, { log });
} catch (error) {
  if (error instanceof StartupError) fail(error.message, error.fix);
  fail(`the worker could not start: ${error instanceof Error ? error.message : String(error)}`);
}

log.info("worker polling", {
  taskQueue: config.temporal.taskQueue,
  namespace: config.temporal.namespace,
  address: config.temporal.address,
  mode: config.providers.mode,
  ...(config.providers.mode === "local" ? { outboxDir: config.providers.outboxDir } : {}),
});
log.info("worker HTTP listening", {
  url: running.httpUrl,
  paths: "/healthz /readyz /metrics",
  reconciler: running.reconciler ? "on" : "off (RECONCILER_ENABLED=false)",
});

// 3. Drain on a signal.
let signalled = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (signalled) return; // a second Ctrl-C changes nothing: the drain is bounded by the worker's shutdownGraceTime
    signalled = true;
    log.info("worker draining: finishing in-flight tasks, then exiting", { signal });
    running.shutdown().then(
      () => {
        log.info("worker stopped");
        process.exit(0);
      },
      (error: unknown) => exitWithError("worker shutdown failed", error),
    );
  });
}

const stopped = await running.done.then(() => undefined, (error: unknown) => error);
if (!signalled) {
  await running.shutdown().catch(() => undefined);
  exitWithError("the worker stopped unexpectedly", stopped);
}
