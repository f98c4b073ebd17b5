/**
 * The deployed worker, wired top to bottom: check Supabase and the trigger registry, connect to
 * Temporal, build the reconciler with those clients, serve /healthz /readyz /metrics, create the
 * worker with the workflows' activities and the reconciler's sweep, run it, then start the reconciler
 * beside it. shutdown() undoes it in reverse. main.ts runs this; the reconciler suites run the same.
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import { Client } from "@temporalio/client";
import type { Worker, WorkflowBundleOption } from "@temporalio/worker";
import { WORKFLOW_TRIGGERS, type WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import type { BootstrapActivities } from "../activities/index.ts";
import { workerReadiness } from "../observability/readiness.ts";
import { PortInUseError, startObservabilityServer } from "../observability/server.ts";
import { createReconciler, type Reconciler } from "../reconciler/index.ts";
import { consoleLog, type ReconcilerLog } from "../reconciler/log.ts";
import { ReconcilerMetrics } from "../reconciler/metrics.ts";
import type { WorkerConfig } from "./env.ts";
import { checkSupabase, checkTriggerRegistry, StartupError } from "./preflight.ts";
import { activitiesFromConfig, connectTemporal, createWorker } from "./run-worker.ts";
import { createServiceClient } from "./supabase-client.ts";

export interface WorkerProcessOptions {
  readonly log?: ReconcilerLog;
  /** The triggers the reconciler serves (default: the product's WORKFLOW_TRIGGERS). */
  readonly triggers?: readonly WorkflowTrigger[];
  /** A prebuilt bundle instead of WORKFLOW_BUNDLE_PATH or bundling the sources at startup. */
  readonly workflowBundle?: WorkflowBundleOption;
  /** Replaces the activities built from the config (tests inject failing providers this way). */
  readonly activities?: BootstrapActivities;
}

export interface WorkerProcess {
  readonly client: Client;
  readonly supabase: SupabaseClient;
  readonly worker: Worker;
  /** Undefined with RECONCILER_ENABLED=false (its sweep activity is registered all the same). */
  readonly reconciler: Reconciler | undefined;
  /** Where /healthz, /readyz and /metrics answer. */
  readonly httpUrl: string;
  /** Settles when the worker stops, by shutdown() or by failing. */
  readonly done: Promise<void>;
  /** The reconciler stops, the worker drains (in-flight activities finish), connections and the HTTP server close. Idempotent. */
  shutdown(): Promise<void>;
}

export async function startWorkerProcess(config: WorkerConfig, options: WorkerProcessOptions = {}): Promise<WorkerProcess> {
  const log = options.log ?? consoleLog();
  const triggers = options.triggers ?? WORKFLOW_TRIGGERS;

  // 1. Supabase as service role, checked: a wrong key or URL, or missing migrations, stop startup here.
  const supabase = createServiceClient(config.supabaseUrl, config.serviceRoleKey);
  await checkSupabase(supabase, config.supabaseUrl);
  await checkTriggerRegistry(supabase, triggers, (message) => log.warn(message));

  // 2. Temporal: one connection for the worker, the reconciler's starts and the Schedule.
  const connection = await connectTemporal(config.temporal);
  const client = new Client({ connection, namespace: config.temporal.namespace });

  // 3. The reconciler, with both clients. Built even when disabled: its sweep activity stays
  //    registered, so a Schedule that other replicas keep never hands this worker a sweep it cannot run.
  const metrics = new ReconcilerMetrics({ triggers: triggers.map((t) => t.name) });
  const reconciler = createReconciler({ config: config.reconciler, taskQueue: config.temporal.taskQueue, client, supabase, triggers, log, metrics });
  const enabled = config.reconciler.enabled;

  // 4. /healthz answers while the worker bundles its workflows; /readyz says "starting" until it polls.
  let worker: Worker | undefined;
  let http: Awaited<ReturnType<typeof startObservabilityServer>>;
  try {
    http = await startObservabilityServer({
      ...config.http,
      registry: metrics.registry,
      readiness: workerReadiness({
        worker: () => (worker ? { worker, client } : undefined),
        ...(enabled ? { reconciler: () => reconciler.status() } : {}),
      }),
      warn: (message) => log.warn(message),
    });
  } catch (error) {
    await connection.close();
    if (error instanceof PortInUseError) {
      throw new StartupError(error.message, "set WORKER_HTTP_PORT to a free port (0 picks one), or stop what listens there", { cause: error });
    }
    throw error;
  }

  // 5. The worker: the organization workflows' activities and the reconciler's sweep.
  try {
    worker = await createWorker(connection, config, { ...(options.activities ?? activitiesFromConfig(config, supabase)), ...reconciler.activities }, options.workflowBundle);
  } catch (error) {
    await http.close();
    await connection.close();
    throw error;
  }
  const running = worker;
  const done = running.run();

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      // The reconciler first: its in-flight starts and records finish while the connection is open.
      await reconciler.stop();
      if (running.getState() === "RUNNING") running.shutdown();
      await done.catch(() => undefined);
      await supabase.removeAllChannels();
      await connection.close();
      await http.close();
    })();
    return stopping;
  };

  // 6. The reconciler beside the polling worker: the Schedule, Realtime, the canary, the stuck check.
  if (enabled) {
    try {
      await reconciler.start();
    } catch (error) {
      await shutdown();
      throw error;
    }
  }
  return { client, supabase, worker: running, reconciler: enabled ? reconciler : undefined, httpUrl: http.url, done, shutdown };
}
