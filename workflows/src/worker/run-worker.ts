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

/** What a service running beside the worker gets: one Temporal connection and one Supabase client, shared. */
export interface WorkerServiceContext {
  readonly config: WorkerConfig;
  readonly client: Client;
  readonly supabase: SupabaseClient;
  /** The running worker (its getState() is what /readyz reports). */
  readonly worker: Worker;
}

/** Builds activities registered beside the bootstrap's (the reconciler's sweep), with the worker's clients. */
export type ExtraActivitiesFactory = (context: Omit<WorkerServiceContext, "worker">) => object;

/** Something that runs beside the worker and stops before it (the reconciler hooks in here). */
export interface WorkerService {
  readonly name: string;
  stop(): Promise<void>;
}

export type WorkerServiceFactory = (context: WorkerServiceContext) => Promise<WorkerService>;

export interface StartWorkerOptions {
  readonly config: WorkerConfig;
  /** Started, in order, once the worker polls; stopped in reverse order before it shuts down. */
  readonly extraServices?: readonly WorkerServiceFactory[];
  /** Merged into the worker's activities (the reconcile workflow's sweep). */
  readonly extraActivities?: ExtraActivitiesFactory;
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
  /** Stops the extra services, drains the worker (in-flight activities finish), closes connections. Idempotent. */
  shutdown(): Promise<void>;
}

export function activitiesFromConfig(config: WorkerConfig, supabase: SupabaseClient): BootstrapActivities {
  return createActivities({
    events: supabaseEventStore(supabase),
    projections: supabaseProjectionReader(supabase),
    providers: createProviders(config.providers),
    invitations: config.invitations,
  });
}

/**
 * Connects to Temporal and runs the bootstrap worker. Nothing here holds a Postgres session: the
 * worker reaches Supabase only over HTTP and WebSocket, so it works behind a connection pooler.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  const supabase = options.supabase ?? createServiceClient(config.supabaseUrl, config.serviceRoleKey);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  } catch (error) {
    throw new StartupError(
      `cannot connect to Temporal at ${config.temporal.address}: ${error instanceof Error ? error.message : String(error)}`,
      "start it (`npm start`) or fix TEMPORAL_ADDRESS",
      { cause: error },
    );
  }
  const services: WorkerService[] = [];
  const client = new Client({ connection, namespace: config.temporal.namespace });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...workflowSource(options.workflowBundle, config.workflowBundlePath),
      activities: {
        ...(options.activities ?? activitiesFromConfig(config, supabase)),
        ...options.extraActivities?.({ config, client, supabase }),
      },
      // On shutdown, running activities get this long to finish before they are cancelled: longer
      // than the SMTP client's 15 s timeout, shorter than Kubernetes' default 30 s grace period.
      shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const done = worker.run();

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      for (const service of services.splice(0).reverse()) await service.stop();
      if (worker.getState() === "RUNNING") worker.shutdown();
      await done.catch(() => undefined);
      await supabase.removeAllChannels();
      await connection.close();
    })();
    return stopping;
  };

  try {
    for (const factory of options.extraServices ?? []) services.push(await factory({ config, client, supabase, worker }));
  } catch (error) {
    await shutdown();
    throw error;
  }
  return { client, supabase, worker, done, shutdown };
}
