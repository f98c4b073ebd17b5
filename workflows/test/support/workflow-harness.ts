/**
 * Shared by the workflow, activities and worker suites: the stack's real Temporal and Supabase,
 * the workflow bundle built once per file, a worker per test on its own task queue, and helpers
 * that record a bootstrap request the way the edge function does (through emit_domain_event).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import type { SupabaseClient } from "@supabase/supabase-js";
import { Client } from "@temporalio/client";
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from "@temporalio/worker";
import { bootstrapInputFromEvent, type BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";
import { emitArgs, EVENT_TYPES, type DomainEventRow } from "@org-bootstrap/shared/events/index.ts";
import { stackEnv } from "../../../supabase/local/test/support/env.ts";
import { createActivities, type ActivityDeps, type BootstrapActivities } from "../../src/activities/index.ts";
import { supabaseEventStore } from "../../src/activities/event-store.ts";
import { supabaseProjectionReader } from "../../src/activities/projection-reader.ts";
import { createProviders } from "../../src/providers/index.ts";
import { WORKFLOWS_PATH } from "../../src/worker/run-worker.ts";
import { createServiceClient } from "../../src/worker/supabase-client.ts";

export const TEST_BASE_DOMAIN = "orgs.test";
export const TEST_APP_URL = "http://app.test";

/** Where a test's worker runs: a Temporal connection and namespace, and the workflow bundle. */
export interface WorkerHost {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly bundle: WorkflowBundleWithSourceMap;
}

export interface Harness extends WorkerHost {
  readonly supabase: SupabaseClient;
  readonly client: Client;
  close(): Promise<void>;
}

export async function openHarness(): Promise<Harness> {
  const env = stackEnv();
  const supabase = createServiceClient(env.supabaseUrl, env.serviceRoleKey);
  const connection = await NativeConnection.connect({ address: env.temporalAddress });
  const client = new Client({ connection, namespace: env.temporalNamespace });
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return {
    supabase,
    connection,
    namespace: env.temporalNamespace,
    client,
    bundle,
    close: async () => {
      await supabase.removeAllChannels();
      await connection.close();
    },
  };
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

const outboxes: string[] = [];
process.once("exit", () => { for (const dir of outboxes) fs.rmSync(dir, { recursive: true, force: true }); });

/** A fresh outbox folder for one test, never shared; removed when the test process exits. */
export function tempOutbox(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-outbox-"));
  outboxes.push(dir);
  return dir;
}

/** Activity dependencies as the worker builds them in local mode, with any part replaceable. */
export function localDeps(harness: Harness, outboxDir: string, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    events: supabaseEventStore(harness.supabase),
    projections: supabaseProjectionReader(harness.supabase),
    providers: createProviders({
      mode: "local",
      outboxDir,
      baseDomain: TEST_BASE_DOMAIN,
      dnsTarget: "ingress.test",
      emailFrom: "Tests <no-reply@app.test>",
    }),
    invitations: { appUrl: TEST_APP_URL, tokenSecret: randomBytes(32).toString("hex") },
    ...overrides,
  };
}

/** Runs `body` while a worker with `activities` polls a task queue of its own. */
export async function withWorker<T>(
  host: WorkerHost,
  activities: BootstrapActivities | ActivityDeps,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-bootstrap-${randomUUID()}`;
  const worker = await Worker.create({
    connection: host.connection,
    namespace: host.namespace,
    taskQueue,
    workflowBundle: host.bundle,
    activities: "events" in activities ? createActivities(activities) : activities,
  });
  return worker.runUntil(body(taskQueue));
}

export function uniqueRequest(overrides: Partial<BootstrapRequest> = {}): BootstrapRequest {
  const tag = randomBytes(5).toString("hex");
  return {
    name: `Acme ${tag}`,
    subdomain: `t-${tag}`,
    contactEmail: `ops@${tag}.example.com`,
    admins: [
      { email: `ada@${tag}.example.com`, firstName: "Ada", lastName: "Lovelace" },
      { email: `grace@${tag}.example.com`, firstName: "Grace" },
    ],
    ...overrides,
  };
}

/**
 * Records `organization.bootstrap.initiated` as the edge function does, reads the row back and
 * builds the workflow input from it with the shared builder (as the reconciler does).
 */
export async function initiateBootstrap(
  supabase: SupabaseClient,
  request: BootstrapRequest = uniqueRequest(),
): Promise<BootstrapStartIdentity & { readonly request: BootstrapRequest }> {
  const organizationId = randomUUID();
  const { error } = await supabase.rpc(
    "emit_domain_event",
    emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, request, { idempotency_key: `test:${organizationId}`, source: "test" }),
  );
  if (error) throw new Error(`emit_domain_event(initiated) failed: ${error.message}`);
  const [row] = await eventsOf(supabase, organizationId);
  if (!row) throw new Error("the initiated event was not stored");
  return { ...bootstrapInputFromEvent(row), request };
}

/** The organization's stream, in version order. */
export async function eventsOf(supabase: SupabaseClient, organizationId: string): Promise<DomainEventRow[]> {
  const { data, error } = await supabase
    .from("domain_events")
    .select("*")
    .eq("stream_type", "organization")
    .eq("stream_id", organizationId)
    .order("stream_version");
  if (error) throw new Error(`reading domain_events failed: ${error.message}`);
  return data as DomainEventRow[];
}

export async function organizationRow(supabase: SupabaseClient, organizationId: string) {
  const { data, error } = await supabase.from("organizations_projection").select("*").eq("id", organizationId).single();
  if (error) throw new Error(`reading organizations_projection failed: ${error.message}`);
  return data as Record<string, unknown>;
}

export async function invitationRows(supabase: SupabaseClient, organizationId: string) {
  const { data, error } = await supabase.from("invitations_projection").select("*").eq("organization_id", organizationId).order("email");
  if (error) throw new Error(`reading invitations_projection failed: ${error.message}`);
  return data as Array<Record<string, unknown>>;
}
