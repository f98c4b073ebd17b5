/**
 * The worker process: `tsx workflows/src/worker/main.ts`. Validates its environment, checks
 * Supabase, connects to Temporal, polls the bootstrap task queue, and on SIGTERM/SIGINT drains
 * (in-flight activities finish), closes its connections and exits 0.
 */
import { formatEnvProblems, parseWorkerEnv } from "./env.ts";
import type { RunningWorker } from "./run-worker.ts";

function fail(message: string, fix?: string): never {
  process.stderr.write(`✖ ${message}\n${fix ? `  fix: ${fix}\n` : ""}`);
  process.exit(1);
}

const parsed = parseWorkerEnv(process.env);
if (!parsed.ok) {
  process.stderr.write(`${formatEnvProblems(parsed.problems)}\n`);
  process.exit(1);
}
const { config } = parsed;

// Loaded only once the environment is valid, so a bad environment prints nothing but its problems
// (supabase-js, for one, warns about the Node version as it loads).
const { DefaultLogger, Runtime } = await import("@temporalio/worker");
const { checkSupabase, checkTriggerRegistry, StartupError } = await import("./preflight.ts");
const { WORKFLOW_TRIGGERS } = await import("@org-bootstrap/shared/triggers/index.ts");
const { consoleLog } = await import("../reconciler/log.ts");
const { startWorker } = await import("./run-worker.ts");
const { createServiceClient } = await import("./supabase-client.ts");
const { prepareWorkerExtras } = await import("../reconciler/worker-setup.ts");

// Signals are ours: services (e.g. the reconciler) must stop before the worker drains.
Runtime.install({ shutdownSignals: [], logger: new DefaultLogger(config.nodeEnv === "production" ? "INFO" : "WARN") });

const supabase = createServiceClient(config.supabaseUrl, config.serviceRoleKey);
let running: RunningWorker;
let extras: Awaited<ReturnType<typeof prepareWorkerExtras>>;
try {
  await checkSupabase(supabase, config.supabaseUrl);
  const log = consoleLog();
  await checkTriggerRegistry(supabase, WORKFLOW_TRIGGERS, (message) => log.warn(message));
  // The reconciler (Realtime, catch-up and scheduled sweeps, canary) for every trigger, and /healthz, /readyz, /metrics.
  extras = await prepareWorkerExtras(config, log, WORKFLOW_TRIGGERS);
  running = await startWorker({ config, supabase, ...extras.startOptions });
  extras.attach(running);
} catch (error) {
  if (error instanceof StartupError) fail(error.message, error.fix);
  fail(`the worker could not start: ${error instanceof Error ? error.message : String(error)}`);
}

const where = config.providers.mode === "local" ? `local mode, outbox ${config.providers.outboxDir}` : "production mode";
process.stdout.write(
  `✔ worker polling task queue "${config.temporal.taskQueue}" in namespace "${config.temporal.namespace}" at ${config.temporal.address} (${where})\n`,
);
process.stdout.write(`✔ worker HTTP on ${extras.httpUrl}: /healthz /readyz /metrics${extras.reconciler ? "" : " (reconciler off: RECONCILER_ENABLED=false)"}\n`);

let signalled = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (signalled) return; // a second Ctrl-C changes nothing: the drain is bounded by the worker's shutdownGraceTime
    signalled = true;
    process.stdout.write(`… ${signal}: finishing in-flight tasks, then exiting\n`);
    running.shutdown().then(() => extras.close()).then(
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
