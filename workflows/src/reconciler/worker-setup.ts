import { startObservabilityServer, PortInUseError } from "../observability/server.ts";
import { workerReadiness } from "../observability/readiness.ts";
import type { WorkerConfig } from "../worker/env.ts";
import { StartupError } from "../worker/preflight.ts";
import type { RunningWorker, StartWorkerOptions } from "../worker/run-worker.ts";
import { WORKFLOW_TRIGGERS, type WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { createReconciler, type Reconciler } from "./index.ts";
import { consoleLog, type ReconcilerLog } from "./log.ts";
import { ReconcilerMetrics } from "./metrics.ts";

/** What main.ts adds to the worker: the reconciler (its Realtime, catch-up and Schedule unless RECONCILER_ENABLED=false) and the HTTP server. */
export interface WorkerExtras {
  /** Spread into startWorker's options. */
  readonly startOptions: Pick<StartWorkerOptions, "extraActivities" | "extraServices">;
  readonly reconciler: Reconciler | undefined;
  /** Where /healthz, /readyz and /metrics answer. */
  readonly httpUrl: string;
  /** Once the worker polls: /readyz starts reporting it. */
  attach(running: RunningWorker): void;
  /** After the worker's shutdown. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP server before the worker (so /healthz answers while it bundles and connects, and
 * /readyz says "starting"), and builds the reconciler the worker then runs as activity and service.
 */
export async function prepareWorkerExtras(
  config: WorkerConfig,
  log: ReconcilerLog = consoleLog(),
  triggers: readonly WorkflowTrigger[] = WORKFLOW_TRIGGERS,
): Promise<WorkerExtras> {
  const metrics = new ReconcilerMetrics({ triggers: triggers.map((t) => t.name) });
  // Built even when disabled: its sweep activity stays registered, so a Schedule that other replicas
  // keep never hands this worker a sweep it cannot run.
  const built = createReconciler({ config: config.reconciler, taskQueue: config.temporal.taskQueue, log, metrics, triggers });
  const reconciler = config.reconciler.enabled ? built : undefined;
  let running: RunningWorker | undefined;
  let server;
  try {
    server = await startObservabilityServer({
      ...config.http,
      registry: metrics.registry,
      readiness: workerReadiness({
        worker: () => (running ? { worker: running.worker, client: running.client } : undefined),
        ...(reconciler ? { reconciler: () => reconciler.status() } : {}),
      }),
      warn: (message) => log.warn(message),
    });
  } catch (error) {
    if (error instanceof PortInUseError) {
      throw new StartupError(error.message, "set WORKER_HTTP_PORT to a free port (0 picks one), or stop what listens there", { cause: error });
    }
    throw error;
  }
  return {
    startOptions: {
      extraActivities: (context) => built.activities(context),
      ...(reconciler ? { extraServices: [(context) => reconciler.service(context)] } : {}),
    },
    reconciler,
    httpUrl: server.url,
    attach(worker) {
      running = worker;
    },
    close: () => server.close(),
  };
}
