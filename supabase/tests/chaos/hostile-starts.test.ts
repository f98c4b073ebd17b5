/**
 * The recorded event is the only source of truth. A start that arrives before its event, or races
 * it, or carries business fields of its own (through the proxy with its token, or straight to
 * Temporal) can only start, early, the work the recorded event describes: the organization becomes
 * active with the recorded subdomain, invitations go to the recorded admins only, and no DNS record
 * exists for anything the start said.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WorkflowFailedError, WorkflowIdReusePolicy } from "@temporalio/client";
import { ApplicationFailure } from "@temporalio/common";
import { emitArgs, EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { BOOTSTRAP_WORKFLOW_TYPE, bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { loadSigningKeys } from "../../local/src/auth/keys.ts";
import { signUserToken } from "../../local/src/auth/user-token.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { uuidV5 } from "../../functions/_shared/identity.ts";
import { readLocalDnsRecords, readLocalEmails } from "../../../workflows/src/providers/local-outbox.ts";
import type { RunningWorker } from "../../../workflows/src/worker/run-worker.ts";
import { createServiceClient } from "../../../workflows/src/worker/supabase-client.ts";
import { eventually } from "../../../workflows/test/support/eventually.ts";
import { logLines } from "../../../workflows/test/support/log-lines.ts";
import { FailureType } from "../../../workflows/src/workflows/failure-types.ts";
import { invoke, startTestWorker, temporalClient, validForm, withDb } from "../organization-bootstrap/support.ts";
import { runCli, spawnWorkerMain, type WorkerMainProcess } from "../organization-bootstrap/support-processes.ts";
import { recordScenario } from "./support/record.ts";
import { chaosSizes } from "./support/scale.ts";

const env = stackEnv();
const required = (name: string): string => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run through npm test`);
  return value;
};

/** An attacker holding the proxy token: the edge function's own client, pointed at the stack's proxy. */
const attacker = () =>
  createTemporalClient({ proxyUrl: required("TEMPORAL_PROXY_URL"), proxyToken: required("TEMPORAL_PROXY_TOKEN"), namespace: env.temporalNamespace, identity: "attacker" });

/** The old start shape, with business fields of the attacker's choosing. */
function forgedPayload(organizationId: string) {
  const tag = crypto.randomBytes(4).toString("hex");
  return {
    eventId: crypto.randomUUID(),
    organizationId,
    payload: { name: `Evil ${tag}`, subdomain: `evil-${tag}`, contactEmail: `evil@${tag}.attacker.test`, admins: [{ email: `mallory@${tag}.attacker.test` }] },
  };
}

let outbox: string;
let worker: RunningWorker;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
before(async () => {
  outbox = fs.mkdtempSync(path.join(os.tmpdir(), "forged-outbox-"));
  worker = await startTestWorker(outbox);
  temporal = await temporalClient();
});
after(async () => {
  await worker?.shutdown();
  await temporal?.close();
  fs.rmSync(outbox, { recursive: true, force: true });
});

async function organizationAfterBootstrap(organizationId: string) {
  await temporal.client.workflow.getHandle(bootstrapWorkflowId(organizationId)).result();
  return withDb(async (db) => ({
    organization: (await db.query("select status, subdomain, name from organizations_projection where id = $1", [organizationId])).rows[0],
    invitations: (await db.query("select email from invitations_projection where organization_id = $1 order by email", [organizationId])).rows.map((r) => r.email as string),
    started: (await db.query("select count(*)::int as n from domain_events where stream_id = $1 and event_type = $2", [organizationId, EVENT_TYPES.bootstrapWorkflowStarted])).rows[0].n as number,
  }));
}

/** What the run did in the world: the mail it sent and the DNS names it created, for one organization. */
function sideEffects(organizationId: string) {
  const dns = [...readLocalDnsRecords(outbox).entries()].filter(([, record]) => record?.organizationId === organizationId).map(([name]) => name);
  return { dns, mailedTo: readLocalEmails(outbox).map((email) => email.to) };
}

function assertOnlyRecorded(
  result: Awaited<ReturnType<typeof organizationAfterBootstrap>>,
  organizationId: string,
  form: ReturnType<typeof validForm>,
  forged: ReturnType<typeof forgedPayload>["payload"] | undefined,
  /** False when another worker (whose outbox this test cannot see) may have run it. */
  sawSideEffects = true,
) {
  assert.equal(result.organization.status, "active");
  assert.equal(result.organization.subdomain, form.subdomain);
  assert.equal(result.organization.name, form.name);
  assert.deepEqual(result.invitations, form.admins.map((a) => a.email).sort(), "invitations only to the recorded admins");
  assert.equal(result.started, 1, "one workflow_started record");
  if (!sawSideEffects) return;
  const effects = sideEffects(organizationId);
  assert.deepEqual(effects.dns.map((name) => name.split(".")[0]), [form.subdomain], "DNS only for the recorded subdomain");
  if (forged) {
    assert.ok(!effects.mailedTo.some((to) => to === forged.admins[0]!.email), "nothing mailed to the forged admin");
    assert.ok(![...readLocalDnsRecords(outbox).keys()].some((name) => name.startsWith(`${forged.subdomain}.`)), "no DNS record for the forged subdomain");
  }
}

const emitInitiatedWithSql = (organizationId: string, form: ReturnType<typeof validForm>) =>
  withDb((db) => {
    const args = emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, form, { source: "psql" });
    return db.query("select public.emit_domain_event(p_stream_id => $1::uuid, p_stream_type => $2, p_event_type => $3, p_event_data => $4::jsonb, p_event_metadata => $5::jsonb)", [args.p_stream_id, args.p_stream_type, args.p_event_type, JSON.stringify(args.p_event_data), JSON.stringify(args.p_event_metadata ?? {})]);
  });

/**
 * A platform admin, the Idempotency-Key it will send, and the organization id the function will derive
 * from them: computable by whoever knows the caller and the key, which is what a pre-empting attacker needs.
 */
async function adminWithKey(): Promise<{ key: string; token: string; organizationId: string }> {
  const sub = crypto.randomUUID();
  const key = `forged-${crypto.randomUUID()}`;
  const token = await signUserToken(await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`), { appRole: "platform_admin", sub });
  return { key, token, organizationId: await uuidV5(`${sub}:${key}`) };
}

/** Each forged-start scenario, for docs/reliability.md when run by `npm run test:chaos`. */
function recordStart(scenario: string, attack: string, answers: Record<string, number>, began: number): void {
  recordScenario({
    group: "hostile starts", scenario, scale: chaosSizes().scale, faults: [attack], bootstraps: 1, inputs: 1,
    answers, lost: 0, duplicated: 0, notes: [], durationMs: Date.now() - began,
  });
}

describe("forged starts", () => {
  test("the proxy refuses a start that carries business fields, with the proxy token", async () => {
    const began = Date.now();
    const organizationId = crypto.randomUUID();
    const start = bootstrapWorkflowStart({ organizationId, eventId: crypto.randomUUID() }, "edge");
    await assert.rejects(
      attacker().startWorkflow({ ...start, args: [forgedPayload(organizationId)] as never, requestId: crypto.randomUUID() }),
      (error: Error & { code?: number }) => error.code === 7 /* PERMISSION_DENIED */,
    );
    await assert.rejects(temporal.client.workflow.getHandle(start.workflowId).describe(), /not found/i, "nothing reached Temporal");
    recordStart('the proxy refuses a start that carries business fields, with the proxy token', 'a start with forged business fields, through the proxy', { "PERMISSION_DENIED (nothing reached Temporal)": 1 }, began);
  });

  test("pre-empt through the proxy, then the event through SQL: the recorded event is what happens", async () => {
    const began = Date.now();
    const organizationId = crypto.randomUUID();
    const form = validForm();
    // Identity only passes the proxy; the run waits for the event it names.
    const early = await attacker().startWorkflow({ ...bootstrapWorkflowStart({ organizationId, eventId: crypto.randomUUID() }, "edge"), requestId: crypto.randomUUID() });
    assert.equal(early.status, "started");
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the run has read the stream at least once and found nothing
    await emitInitiatedWithSql(organizationId, form);
    assertOnlyRecorded(await organizationAfterBootstrap(organizationId), organizationId, form, undefined);
    recordStart('pre-empt through the proxy, then the event through SQL: the recorded event is what happens', 'an identity-only start through the proxy before the event, then the event through SQL', { "carried out as recorded": 1 }, began);
  });

  test("pre-empt straight to Temporal with a forged payload, then the event through SQL: the payload is ignored", async () => {
    const began = Date.now();
    const organizationId = crypto.randomUUID();
    const form = validForm();
    const forged = forgedPayload(organizationId);
    await temporal.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, {
      taskQueue: worker.worker.options.taskQueue,
      workflowId: bootstrapWorkflowId(organizationId),
      args: [forged as never],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: { startedBy: "edge" },
    });
    await emitInitiatedWithSql(organizationId, form);
    assertOnlyRecorded(await organizationAfterBootstrap(organizationId), organizationId, form, forged.payload);
    recordStart('pre-empt straight to Temporal with a forged payload, then the event through SQL: the payload is ignored', 'a start with forged business fields straight to Temporal before the event, then the event through SQL', { "carried out as recorded, payload ignored": 1 }, began);
  });

  test("pre-empt through the proxy, then the legitimate POST: 200, the recorded form is what happens", async () => {
    const began = Date.now();
    const { key, token, organizationId } = await adminWithKey();
    await attacker().startWorkflow({ ...bootstrapWorkflowStart({ organizationId, eventId: crypto.randomUUID() }, "edge"), requestId: crypto.randomUUID() });
    const form = validForm();
    const response = await invoke({ body: form, token, headers: { "Idempotency-Key": key } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.organizationId, organizationId);
    assertOnlyRecorded(await organizationAfterBootstrap(organizationId), organizationId, form, undefined);
    recordStart('pre-empt through the proxy, then the legitimate POST: 200, the recorded form is what happens', 'an identity-only start through the proxy before the POST (organization id derived from caller and key)', { "200 (carried out as recorded)": 1 }, began);
  });

  test("race: a forged start a few ms after the legitimate POST changes nothing", async () => {
    const began = Date.now();
    const { key, token, organizationId } = await adminWithKey();
    const form = validForm();
    const forged = forgedPayload(organizationId);
    const start = bootstrapWorkflowStart({ organizationId, eventId: crypto.randomUUID() }, "edge");
    const [response, forgedOutcomes] = await Promise.all([
      invoke({ body: form, token, headers: { "Idempotency-Key": key } }),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 4));
        return Promise.allSettled([
          attacker().startWorkflow({ ...start, requestId: crypto.randomUUID() }),
          attacker().startWorkflow({ ...start, args: [forged] as never, requestId: crypto.randomUUID() }),
        ]);
      })(),
    ]);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(forgedOutcomes[1].status, "rejected", "the payload-carrying start is refused by the proxy");
    assertOnlyRecorded(await organizationAfterBootstrap(organizationId), organizationId, form, forged.payload);
    recordStart('race: a forged start a few ms after the legitimate POST changes nothing', 'two forged starts (identity only, and with business fields) 4 ms after the POST', { "200 (carried out as recorded)": 1, "forged with fields: PERMISSION_DENIED": 1 }, began);
  });
});

describe("runs that closed before the work was done, with the worker's entry point (sweeps and stuck checks every 3 s)", { concurrency: true }, () => {
  let main: WorkerMainProcess;
  const supabase = createServiceClient(env.supabaseUrl, env.serviceRoleKey);
  before(async () => {
    main = await spawnWorkerMain({ RECONCILE_INTERVAL: "3s", STUCK_AFTER: "0s" });
  });
  after(async () => {
    await main?.stop();
    await supabase.removeAllChannels();
  });

  test("a start whose event never comes ends having written nothing; the event recorded later is carried out by the sweep", async () => {
    const began = Date.now();
    const organizationId = crypto.randomUUID();
    const early = await attacker().startWorkflow({ ...bootstrapWorkflowStart({ organizationId, eventId: crypto.randomUUID() }, "edge"), requestId: crypto.randomUUID() });
    assert.equal(early.status, "started");
    const failure = await temporal.client.workflow.getHandle(bootstrapWorkflowId(organizationId)).result().then(() => undefined, (error: unknown) => error);
    assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure, String(failure));
    assert.equal(failure.cause.type, FailureType.RecordedEventMissing);
    assert.equal(await withDb(async (db) => (await db.query("select count(*)::int as n from domain_events where stream_id = $1", [organizationId])).rows[0].n), 0, "nothing was written");

    const form = validForm();
    await emitInitiatedWithSql(organizationId, form);
    await eventually("the organization to be active", async () =>
      (await supabase.from("organizations_projection").select("status").eq("id", organizationId).single()).data?.status === "active" ? true : undefined, 60_000);
    assertOnlyRecorded(await organizationAfterBootstrap(organizationId), organizationId, form, undefined, false);
    const startedBy = (await supabase.from("organizations_projection").select("bootstrap_started_by").eq("id", organizationId).single()).data?.bootstrap_started_by;
    assert.equal(startedBy, "sweep", "the sweep replaced the run that did nothing");
    assert.match(main.stderr(), new RegExp(`started org-bootstrap-${organizationId} again: its earlier run came before the event and did nothing`));
    recordStart('a start whose event never comes ends having written nothing; the event recorded later is carried out by the sweep', 'an identity-only start for an event that comes only after the run gave up', { "run failed having written nothing; the sweep carried out the later event": 1 }, began);
  });

  test("a run terminated while provisioning is reported (log, metric, /readyz) and bootstrap:retry brings it to active, once", async () => {
    const organizationId = crypto.randomUUID();
    const form = validForm();
    // A run on a queue nobody polls stands for one that was stopped by hand before it could finish.
    const handle = await temporal.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, {
      taskQueue: `nobody-polls-${crypto.randomUUID()}`,
      workflowId: bootstrapWorkflowId(organizationId),
      args: [{ organizationId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: { startedBy: "edge" },
    });
    await emitInitiatedWithSql(organizationId, form);
    await handle.terminate("stopped by hand, for the test");

    const stuckLine = await eventually("the stuck log line", () => logLines(main.stderr()).find((line) => line.msg.startsWith("organization is stuck") && line.organizationId === organizationId), 30_000);
    assert.equal(stuckLine.level, "error");
    assert.equal(stuckLine.fix, `npm run bootstrap:retry -- --organization ${organizationId}`);
    assert.equal(stuckLine.status, "TERMINATED");
    const ready = (await (await fetch(`${main.url}/readyz`)).json()) as { reconciler: { stuck: { count: number; organizations: Array<{ organizationId: string }> } } };
    assert.ok(ready.reconciler.stuck.count >= 1, JSON.stringify(ready.reconciler.stuck));
    // /readyz lists the first ten (by id); other suites' stuck organizations may come before this one.
    if (ready.reconciler.stuck.count <= 10) assert.ok(ready.reconciler.stuck.organizations.some((o) => o.organizationId === organizationId), JSON.stringify(ready.reconciler.stuck));
    assert.match(await (await fetch(`${main.url}/metrics`)).text(), /^bootstrap_stuck_organizations [1-9]/m);

    // Right after the close, the closed run's last activities may still be running: refused, with when to come back.
    const tooSoon = await runCli(["--organization", organizationId, "--reason", "terminated in the test", "--by", "on-call@test"]);
    assert.equal(tooSoon.code, 1, tooSoon.stdout);
    assert.match(tooSoon.stderr, /closed \d+ s ago: its last activities may still be finishing\n {2}fix: retry in \d+ s/);
    const retried = await eventually("bootstrap:retry to be allowed", async () => {
      const attempt = await runCli(["--organization", organizationId.toUpperCase(), "--reason", "terminated in the test", "--by", "on-call@test"]);
      if (attempt.code === 0) return attempt;
      assert.match(attempt.stderr, /may still be finishing/, "refused only for the settle time");
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return undefined;
    }, 120_000);
    assert.match(retried.stdout, /✔ started run \S+ of org-bootstrap-\S+ \(replaces TERMINATED run/);
    // A second retry finds the new run running (or already done): refused.
    const again = await runCli(["--organization", organizationId, "--reason", "twice"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /RUNNING: only a run that closed without success|is active, not provisioning/);

    await eventually("the organization to be active", async () =>
      (await supabase.from("organizations_projection").select("status").eq("id", organizationId).single()).data?.status === "active" ? true : undefined, 60_000);
    const counts = await withDb(async (db) =>
      (await db.query("select event_type, count(*)::int as n from domain_events where stream_id = $1 group by event_type", [organizationId])).rows
        .reduce<Record<string, number>>((all, row) => ({ ...all, [row.event_type]: row.n }), {}));
    assert.equal(counts[EVENT_TYPES.organizationActivated], 1);
    assert.equal(counts[EVENT_TYPES.invitationCreated], form.admins.length);
    assert.equal(counts[EVENT_TYPES.invitationSent], form.admins.length);
    const retryRecord = await withDb(async (db) =>
      (await db.query("select event_data from domain_events where stream_id = $1 and event_type = $2 and event_data ->> 'startedBy' = 'retry'", [organizationId, EVENT_TYPES.bootstrapWorkflowStarted])).rows);
    assert.equal(retryRecord.length, 1, "the retry is recorded");
    assert.equal(retryRecord[0].event_data.retry.requestedBy, "on-call@test");
    assert.equal(retryRecord[0].event_data.retry.previousStatus, "TERMINATED");
    const projection = (await supabase.from("organizations_projection").select("bootstrap_started_by").eq("id", organizationId).single()).data;
    assert.equal(projection?.bootstrap_started_by, "retry");

    await eventually("the metric to drop the organization", async () => {
      const ready = (await (await fetch(`${main.url}/readyz`)).json()) as { reconciler: { stuck: { organizations: Array<{ organizationId: string }> } } };
      return ready.reconciler.stuck.organizations.every((o) => o.organizationId !== organizationId) ? true : undefined;
    }, 20_000);
    const refused = await runCli(["--organization", organizationId]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is active, not provisioning: there is nothing to retry/);
  });
});
