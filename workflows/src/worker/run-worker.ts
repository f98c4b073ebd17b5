import { fileURLToPath } from "node:url";
import type { SupabaseClient } from "@supabase/supabase-js";
import { Client } from "@temporalio/client";
import { NativeConnection, Worker, type WorkflowBundleOption } from "@temporalio/worker";
import { createActivities, type BootstrapActivities } from "../activities/index.ts";
import { supabaseEventStore } from "../activities/event-store.ts";
import { supabaseProjectionReader } from "../activities/projection-reader.ts";
import { createProviders } from "../providers/index.ts";
import type { WorkerConfig } from "./env.ts";
import { StartupError } from "./preflight.ts";
import { createServiceClient } from "./supabase-client.ts";
import { temporalConnectionOptions } from "./temporal-connection.ts";

/** The workflows' source entry point, bundled by the worker at startup when no prebuilt bundle is given. */
export const WORKFLOWS_PATH = fileURLToPath(new URL("../workflows/index.ts", import.meta.url));

/**
 * How long running activities get to finish on shutdown before they are cancelled. The deployment's
 * terminationGracePeriodSeconds must be longer (workflows/test/deploy-manifests.test.ts checks it).
 */
export const SHUTDOWN_GRACE_TIME = "20 seconds";

/** The prebuilt bundle (given, or WORKFLOW_BUNDLE_PATH) when there is one, else the sources bundled now. */
function workflowSource(bundle: WorkflowBundleOption | undefined, bundlePath: string | undefined) {
  if (bundle) return { workflowBundle: bundle };
  return bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_PATH };
}

/** The organization workflows' activities, with the providers and settings of `config`. */
export function activitiesFromConfig(config: WorkerConfig, supabase: SupabaseClient): BootstrapActivities {
  return createActivities({
    events: supabaseEventStore(supabase),
    projections: supabaseProjectionReader(supabase),
    providers: createProviders(config.providers),
    invitations: config.invitations,
  });
}

/** The worker's one Temporal connection; a Temporal it cannot reach stops startup with the fix. */
export async function connectTemporal(temporal: WorkerConfig["temporal"]): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(temporalConnectionOptions(temporal));
  } catch (error) {
    throw new StartupError(
      `cannot connect to Temporal at ${temporal.address}: ${error instanceof Error ? error.message : String(error)}`,
      "start it (`npm start`) or fix TEMPORAL_ADDRESS",
      { cause: error },
    );
  }
}

/** The worker on the configured task queue, with `activities`; nothing polls until it runs. */
export function createWorker(
  connection: NativeConnection,
  config: WorkerConfig,
  activities: object,
  workflowBundle?: WorkflowBundleOption,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowSource(workflowBundle, config.workflowBundlePath),
    activities,
    // On shutdown, running activities get this long to finish before they are cancelled: longer
    // than the SMTP client's 15 s timeout, shorter than Kubernetes' default 30 s grace period.
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
  });
}

export interface StartWorkerOptions {
  readonly config: WorkerConfig;
  /** Replaces the activities built from `config` (tests inject failing providers this way). */
  readonly activities?: BootstrapActivities;
  /** A prebuilt bundle (bundleWorkflowCode) instead of bundling WORKFLOWS_PATH at startup. */
  readonly workflowBundle?: WorkflowBundleOption;
  readonly supabase?: SupabaseClient;
}

export interface RunningWorker {
  readonly client: Client;
  readonly supabase: SupabaseClient;
  readonly worker: Worker;
  /** Settles when the worker stops, by shutdown() or by failing. */
  readonly done: Promise<void>;
  /** Drains the worker (in-flight activities finish), closes its connections. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * The workflows alone, without the reconciler or the HTTP server: what the workflow and function
 * suites and the benchmarks run. The deployed worker is worker-process.ts.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  const supabase = options.supabase ?? createServiceClient(config.supabaseUrl, config.serviceRoleKey);
  const connection = await connectTemporal(config.temporal);
  const client = new Client({ connection, namespace: config.temporal.namespace });
  let worker: Worker;
  try {
    worker = await createWorker(connection, config, options.activities ?? activitiesFromConfig(config, supabase), options.workflowBundle);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const done = worker.run();
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      if (worker.getState() === "RUNNING") worker.shutdown();
      await done.catch(() => undefined);
      await supabase.removeAllChannels();
      await connection.close();
    })();
    return stopping;
  };
  return { client, supabase, worker, done, shutdown };
}
