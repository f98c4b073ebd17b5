import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES, isStreamVersionConflict } from "@org-bootstrap/shared/events/index.ts";
import { openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emit, emitAtVersion, streamEvents, uniqueSubdomain } from "../support/events.ts";

const pool = openPool();
after(() => pool.end());

async function newOrganization(): Promise<string> {
  const organizationId = crypto.randomUUID();
  await emit(pool, organizationId, EVENT_TYPES.bootstrapInitiated, bootstrapData(uniqueSubdomain("v")));
  return organizationId;
}

test("50 parallel stream-based emits on one stream get versions 2..51 after the first, no gaps, no errors", async () => {
  const organizationId = await newOrganization();
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, () => emit(pool, organizationId, EVENT_TYPES.organizationCreated, {})),
  );
  const failures = results.filter((r) => r.status === "rejected");
  assert.deepEqual(failures, [], "no emit may fail");

  const events = await streamEvents(pool, organizationId);
  assert.deepEqual(events.map((e) => e.stream_version), Array.from({ length: 51 }, (_, i) => i + 1));
  const ids = results.map((r) => (r as PromiseFulfilledResult<string>).value);
  assert.equal(new Set(ids).size, 50, "every emit returns its own event id");
  assert.deepEqual(new Set(ids), new Set(events.slice(1).map((e) => e.id)));
});

test("the expected-version overload appends at exactly the given version", async () => {
  const organizationId = await newOrganization();
  const id = await emitAtVersion(pool, organizationId, 2, EVENT_TYPES.organizationCreated, {});
  const events = await streamEvents(pool, organizationId);
  assert.deepEqual(events.map((e) => [e.stream_version, e.id]).at(-1), [2, id]);
});

test("the expected-version overload rejects a stale or skipped version with 23505 'stream version conflict'", async () => {
  const organizationId = await newOrganization();
  await emit(pool, organizationId, EVENT_TYPES.organizationCreated, {}); // stream now at version 2

  for (const version of [2, 1, 4]) {
    await assert.rejects(
      emitAtVersion(pool, organizationId, version, EVENT_TYPES.organizationActivated, {}),
      (error: unknown) => {
        sqlError("23505", /^stream version conflict: organization\/.* is at version 2, so the next event is version 3, not \d$/)(error);
        assert.ok(isStreamVersionConflict(error), "the shared helper recognises the conflict");
        return true;
      },
    );
  }
  assert.deepEqual((await streamEvents(pool, organizationId)).map((e) => e.stream_version), [1, 2], "nothing was written");
});

test("two writers racing with the same expected version: exactly one wins, the other gets a version conflict", async () => {
  const organizationId = await newOrganization();
  const results = await Promise.allSettled([
    emitAtVersion(pool, organizationId, 2, EVENT_TYPES.organizationCreated, {}),
    emitAtVersion(pool, organizationId, 2, EVENT_TYPES.organizationCreated, {}),
  ]);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  assert.ok(rejected && isStreamVersionConflict(rejected.reason), `expected a version conflict, got ${rejected?.reason}`);
  assert.deepEqual((await streamEvents(pool, organizationId)).map((e) => e.stream_version), [1, 2]);
});

test("global_position increases with each append on a stream", async () => {
  const organizationId = await newOrganization();
  for (let i = 0; i < 3; i++) await emit(pool, organizationId, EVENT_TYPES.organizationCreated, {});
  const positions = (await streamEvents(pool, organizationId)).map((e) => BigInt(e.global_position));
  assert.ok(positions.every((p, i) => i === 0 || p > positions[i - 1]!), `positions ${positions.join(",")} must increase`);
});
