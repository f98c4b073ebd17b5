/**
 * The worker process: `tsx workflows/src/worker/main.ts`. Validates its environment, then runs the
 * worker as worker-process.ts wires it (Supabase checked, Temporal connected, the reconciler built
 * with both, /healthz /readyz /metrics, the worker polling, the reconciler beside it), and on
 * SIGTERM/SIGINT drains (the reconciler stops, in-flight activities finish), closes its
 * connections and exits 0.
 */
import { formatEnvProblems, parseWorkerEnv } from "./env.ts";
import type { WorkerProcess } from "./worker-process.ts";

function fail(message: string, fix?: string): never {
  process.stderr.write(`✖ ${message}\n${fix ? `  fix: ${fix}\n` : ""}`);
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
// (supabase-js, for one, warns about the Node version as it loads).
const { DefaultLogger, Runtime } = await import("@temporalio/worker");
const { StartupError } = await import("./preflight.ts");
const { startWorkerProcess } = await import("./worker-process.ts");

// Signals are ours: the reconciler must stop before the worker drains.
Runtime.install({ shutdownSignals: [], logger: new DefaultLogger(config.nodeEnv === "production" ? "INFO" : "WARN") });

// 2. Everything else, wired top to bottom in worker-process.ts.
let running: WorkerProcess;
try {
  running = await startWorkerProcess(config);
} catch (error) {
  if (error instanceof StartupError) fail(error.message, error.fix);
  fail(`the worker could not start: ${error instanceof Error ? error.message : String(error)}`);
}

const where = config.providers.mode === "local" ? `local mode, outbox ${config.providers.outboxDir}` : "production mode";
process.stdout.write(
  `✔ worker polling task queue "${config.temporal.taskQueue}" in namespace "${config.temporal.namespace}" at ${config.temporal.address} (${where})\n`,
);
process.stdout.write(`✔ worker HTTP on ${running.httpUrl}: /healthz /readyz /metrics${running.reconciler ? "" : " (reconciler off: RECONCILER_ENABLED=false)"}\n`);

// 3. Drain on a signal.
let signalled = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (signalled) return; // a second Ctrl-C changes nothing: the drain is bounded by the worker's shutdownGraceTime
    signalled = true;
    process.stdout.write(`… ${signal}: finishing in-flight tasks, then exiting\n`);
    running.shutdown().then(
      () => {
        process.stdout.write("✔ worker stopped\n");
        process.exit(0);
      },
      (error: unknown) => fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  });
}

const stopped = await running.done.then(() => undefined, (error: unknown) => error);
if (!signalled) {
  await running.shutdown().catch(() => undefined);
  fail(`the worker stopped unexpectedly${stopped instanceof Error ? `: ${stopped.message}` : ""}`);
}
