import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES, SQLSTATE } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit, emitAtVersion, streamEvents, uniqueSubdomain } from "../support/events.ts";

const pool = openPool();
after(() => pool.end());

const started = (organizationId: string) => ({
  workflowId: bootstrapWorkflowId(organizationId), runId: crypto.randomUUID(), startedBy: "realtime" as const,
});

test("an idempotency key emitted twice yields one event and the same id", async () => {
  const organizationId = crypto.randomUUID();
  const key = `bootstrap:${organizationId}`;
  const data = bootstrapData(uniqueSubdomain("idem"));
  const first = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, data, { idempotency_key: key });
  const second = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, data, { idempotency_key: key });
  assert.equal(second, first);
  assert.deepEqual((await streamEvents(pool, organizationId)).map((e) => e.id), [first]);
});

test("20 parallel emits with one idempotency key yield one event and the same id for all", async () => {
  const organizationId = crypto.randomUUID();
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("idem")));
  const key = `workflow-started:${organizationId}`;
  const payload = started(organizationId);
  const ids = await Promise.all(
    Array.from({ length: 20 }, () => emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, payload, { idempotency_key: key })),
  );
  assert.equal(new Set(ids).size, 1, `expected one id, got ${new Set(ids).size}`);
  const events = await streamEvents(pool, organizationId);
  assert.deepEqual(events.map((e) => [e.stream_version, e.event_type]), [
    [1, EVENT_TYPES.bootstrapInitiated],
    [2, EVENT_TYPES.bootstrapWorkflowStarted],
  ]);
  assert.equal(events[1]!.id, ids[0]);
});

test("a repeated key returns the first id even through the expected-version overload with a stale version", async () => {
  const organizationId = crypto.randomUUID();
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("idem")));
  const metadata = { idempotency_key: "created-once" };
  const first = await emitAtVersion(pool, organizationId, 2, EVENT_TYPES.organizationCreated, {}, metadata);
  // A retried activity does not know the write landed: it retries with the same version and key.
  const retried = await emitAtVersion(pool, organizationId, 2, EVENT_TYPES.organizationCreated, {}, metadata);
  assert.equal(retried, first);
  assert.equal((await streamEvents(pool, organizationId)).length, 2);
});

test("the same key on different streams is two events", async () => {
  const a = crypto.randomUUID();
  const b = crypto.randomUUID();
  const metadata = { idempotency_key: "same-key" };
  const idA = await emit(pool, a, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("idem")), metadata);
  const idB = await emit(pool, b, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("idem")), metadata);
  assert.notEqual(idA, idB);
});

test("reusing a key for a different event type on the stream is rejected with 22023", async () => {
  const organizationId = crypto.randomUUID();
  const metadata = { idempotency_key: "one-key" };
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("idem")), metadata);
  await assert.rejects(
    emit(pool, organizationId, EVENT_TYPES.organizationCreated, {}, metadata),
    sqlError("22023", /idempotency key "one-key" was already used on this stream for organization\.bootstrap\.initiated/),
  );
});

test("an idempotency key that is not a non-empty string is rejected with 22023", async () => {
  const organizationId = crypto.randomUUID();
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("idem")));
  for (const key of [42, "", "k".repeat(201)]) {
    await assert.rejects(
      pool.query(
        `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'organization',
           p_event_type => 'organization.created', p_event_data => '{}', p_event_metadata => $2)`,
        [organizationId, JSON.stringify({ idempotency_key: key })],
      ),
      sqlError("22023", /idempotency_key must be a string of 1 to 200 characters/),
    );
  }
});

test("a key recorded for one request_hash refuses another with PT422 and writes nothing, whichever overload, however many race", async () => {
  const organizationId = crypto.randomUUID();
  const key = "bootstrap:request-hash";
  const data = bootstrapData(uniqueSubdomain("idem"));
  const first = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, data, { idempotency_key: key, request_hash: "a".repeat(64) });
  assert.equal(await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, data, { idempotency_key: key, request_hash: "a".repeat(64) }), first);
  await assert.rejects(
    emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("idem")), { idempotency_key: key, request_hash: "b".repeat(64) }),
    sqlError(SQLSTATE.idempotentRequestMismatch, /idempotency key "bootstrap:request-hash" was already used on this stream for a different request/),
  );
  await assert.rejects(
    emitAtVersion(pool, organizationId, 1, EVENT_TYPES.bootstrapInitiated, data, { idempotency_key: key, request_hash: "c".repeat(64) }),
    sqlError(SQLSTATE.idempotentRequestMismatch),
  );
  assert.deepEqual((await streamEvents(pool, organizationId)).map((e) => e.id), [first]);

  // Five writers with one key and five requests at once: one is recorded, the four others refused.
  const racing = crypto.randomUUID();
  const outcomes = await Promise.allSettled(
    Array.from({ length: 5 }, (_, i) =>
      emit(pool, racing, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("race")), { idempotency_key: key, request_hash: String(i).repeat(64) })),
  );
  assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1);
  for (const o of outcomes) if (o.status === "rejected") assert.equal((o.reason as { code?: string }).code, SQLSTATE.idempotentRequestMismatch);
  assert.equal((await streamEvents(pool, racing)).length, 1);
});

test("a key's request_hash is compared only when both writes carry one: writers without it keep replaying by key", async () => {
  const organizationId = crypto.randomUUID();
  const data = bootstrapData(uniqueSubdomain("idem"));
  const first = await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, data, { idempotency_key: "k1" });
  assert.equal(await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, data, { idempotency_key: "k1", request_hash: "a".repeat(64) }), first);
  const started = (await emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, {
    workflowId: bootstrapWorkflowId(organizationId), runId: crypto.randomUUID(), startedBy: "realtime",
  }, { idempotency_key: "k2", request_hash: "a".repeat(64) }));
  assert.equal(await emit(pool, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, {
    workflowId: bootstrapWorkflowId(organizationId), runId: crypto.randomUUID(), startedBy: "sweep",
  }, { idempotency_key: "k2" }), started);
});
