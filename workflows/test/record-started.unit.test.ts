/**
 * The reconciler's workflow_started writer, group-committing through `emit_domain_events`, against a
 * fake Data API that records each call (the SQL function itself is tested through the real one in
 * supabase/tests/api/emit-rpc.test.ts, and the whole drain in the reconciler suites).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { organizationBootstrapTrigger, organizationDeactivateTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { batchingWorkflowStartedRecorder } from "../src/reconciler/record-started.ts";

interface Call {
  readonly fn: string;
  readonly events: Array<{ p_stream_id: string; p_stream_type: string; p_event_type: string; p_event_metadata?: { idempotency_key?: string; causation_id?: string } }>;
}

/** Answers each call after a turn of the event loop; `failFor` names stream ids whose element fails. */
function fakeDataApi(options: { failFor?: Set<string>; callError?: boolean } = {}) {
  const calls: Call[] = [];
  const answer = async (fn: string, args: { p_events: Call["events"] }, signal: AbortSignal | undefined) => {
      assert.ok(signal, "every write carries a timeout");
      calls.push({ fn, events: args.p_events });
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (options.callError) return { data: null, error: { code: "PGRST000", message: "database unavailable" } };
      // Rows come back in stream order, as the SQL function returns them, not in the order sent.
      const rows = args.p_events.map((event, index) => ({
        ordinal: index + 1,
        event_id: options.failFor?.has(event.p_stream_id) ? null : randomUUID(),
        error_code: options.failFor?.has(event.p_stream_id) ? "22023" : null,
        error_message: options.failFor?.has(event.p_stream_id) ? "bad payload" : null,
      }));
      return { data: rows.reverse(), error: null };
  };
  // supabase-js's builder: rpc(...) is awaited after .abortSignal(...).
  const supabase = {
    rpc: (fn: string, args: { p_events: Call["events"] }) => ({
      abortSignal: (signal: AbortSignal) => answer(fn, args, signal),
    }),
  };
  return { supabase: supabase as unknown as SupabaseClient, calls };
}

function input(): BootstrapStartIdentity {
  const organizationId = randomUUID();
  return {
    eventId: randomUUID(),
    organizationId,
  };
}

const refOf = (i: BootstrapStartIdentity) => ({ eventId: i.eventId, streamId: i.organizationId });
const started = (i: BootstrapStartIdentity) => ({ workflowId: `org-bootstrap-${i.organizationId}`, runId: randomUUID(), startedBy: "sweep" as const });

test("records asked for together go out in one emit_domain_events call, each with its own idempotency key", async () => {
  const api = fakeDataApi();
  const record = batchingWorkflowStartedRecorder(api.supabase);
  const inputs = Array.from({ length: 16 }, input);
  await Promise.all(inputs.map((i) => record(organizationBootstrapTrigger, refOf(i), started(i))));
  assert.deepEqual(api.calls.map((c) => [c.fn, c.events.length]), [["emit_domain_events", 16]]);
  assert.deepEqual(
    api.calls[0]!.events.map((e) => e.p_event_metadata?.idempotency_key),
    inputs.map((i) => `org-bootstrap-${i.organizationId}:workflow_started`),
  );
});

test("a lone record goes out at once; records asked for during a write go out together in the next", async () => {
  const api = fakeDataApi();
  const record = batchingWorkflowStartedRecorder(api.supabase);
  const first = input();
  const writing = record(organizationBootstrapTrigger, refOf(first), started(first));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(api.calls.length, 1, "the first record did not wait for company");
  const later = Array.from({ length: 5 }, input);
  await Promise.all([writing, ...later.map((i) => record(organizationBootstrapTrigger, refOf(i), started(i)))]);
  assert.deepEqual(api.calls.map((c) => c.events.length), [1, 5]);
});

test("each caller gets its own event's outcome: one failed element fails only its caller", async () => {
  const inputs = Array.from({ length: 3 }, input);
  const api = fakeDataApi({ failFor: new Set([inputs[1]!.organizationId]) });
  const record = batchingWorkflowStartedRecorder(api.supabase);
  const outcomes = await Promise.allSettled(inputs.map((i) => record(organizationBootstrapTrigger, refOf(i), started(i))));
  assert.deepEqual(outcomes.map((o) => o.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /emit_domain_events\(workflow_started\) failed: 22023 bad payload/);
});

test("a failed call fails every record in it, and the writer carries on with the next ones", async () => {
  const failing = fakeDataApi({ callError: true });
  const record = batchingWorkflowStartedRecorder(failing.supabase);
  const inputs = Array.from({ length: 4 }, input);
  const outcomes = await Promise.allSettled(inputs.map((i) => record(organizationBootstrapTrigger, refOf(i), started(i))));
  assert.deepEqual(outcomes.map((o) => o.status), ["rejected", "rejected", "rejected", "rejected"]);
  assert.match(String((outcomes[0] as PromiseRejectedResult).reason), /× 4\) failed: PGRST000 database unavailable/);
  const next = input();
  await assert.rejects(record(organizationBootstrapTrigger, refOf(next), started(next)), /database unavailable/);
  assert.equal(failing.calls.length, 2);
});

test("no call carries more than maxPerCall records, and an invalid record fails its caller without a call", async () => {
  const api = fakeDataApi();
  const record = batchingWorkflowStartedRecorder(api.supabase, 4);
  const inputs = Array.from({ length: 10 }, input);
  await Promise.all(inputs.map((i) => record(organizationBootstrapTrigger, refOf(i), started(i))));
  assert.deepEqual(api.calls.map((c) => c.events.length), [4, 4, 2]);
  const bad = input();
  await assert.rejects(record(organizationBootstrapTrigger, refOf(bad), { ...started(bad), runId: "" }));
  assert.equal(api.calls.length, 3);
  assert.throws(() => batchingWorkflowStartedRecorder(api.supabase, 65), /from 1 to 64/);
});

test("each trigger's record is its own started event type, on the event's stream, caused by the event", async () => {
  const api = fakeDataApi();
  const record = batchingWorkflowStartedRecorder(api.supabase);
  const bootstrap = input();
  const deactivation = input();
  await Promise.all([
    record(organizationBootstrapTrigger, refOf(bootstrap), started(bootstrap)),
    record(organizationDeactivateTrigger, refOf(deactivation), { workflowId: `org-deactivate-${deactivation.organizationId}`, runId: randomUUID(), startedBy: "realtime" }),
  ]);
  assert.deepEqual(
    api.calls.flatMap((c) => c.events).map((e) => [e.p_stream_id, e.p_stream_type, e.p_event_type, e.p_event_metadata?.idempotency_key, e.p_event_metadata?.causation_id]),
    [
      [bootstrap.organizationId, "organization", "organization.bootstrap.workflow_started", `org-bootstrap-${bootstrap.organizationId}:workflow_started`, bootstrap.eventId],
      [deactivation.organizationId, "organization", "organization.deactivation.workflow_started", `org-deactivate-${deactivation.organizationId}:workflow_started`, deactivation.eventId],
    ],
  );
});
