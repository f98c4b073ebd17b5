import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { openPool, sqlError } from "../support/db.ts";
import { bootstrapData, emitRaw, uniqueSubdomain } from "../support/events.ts";

const pool = openPool(5);
after(() => pool.end());

test("two parallel bootstraps for `x` and `X`: one event and one projection row; the loser gets 23505", async () => {
  const subdomain = uniqueSubdomain("acme");
  const ids = [crypto.randomUUID(), crypto.randomUUID()];
  // emitRaw: the upper-case spelling is what a careless writer sends; the zod schema would refuse it.
  const results = await Promise.allSettled(
    [subdomain, subdomain.toUpperCase()].map((spelling, i) =>
      emitRaw(pool, { streamId: ids[i]!, streamType: "organization", eventType: EVENT_TYPES.bootstrapInitiated, data: bootstrapData(spelling) })),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, "exactly one bootstrap wins");
  const loser = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
  sqlError("23505", /^subdomain ".*" is already taken$/)(loser.reason);

  const events = await pool.query("select stream_id from public.domain_events where stream_type = 'organization' and stream_id = any($1)", [ids]);
  const rows = await pool.query("select id from public.organizations_projection where lower(subdomain) = $1", [subdomain]);
  assert.equal(events.rowCount, 1, "the loser's event was rolled back");
  assert.equal(rows.rowCount, 1);
  assert.equal(rows.rows[0].id, events.rows[0].stream_id);
});

test("bootstrapping the same organization id twice is rejected with 23505 and stores nothing new", async () => {
  const organizationId = crypto.randomUUID();
  await emitRaw(pool, { streamId: organizationId, streamType: "organization", eventType: EVENT_TYPES.bootstrapInitiated, data: bootstrapData(uniqueSubdomain("twice")) });
  await assert.rejects(
    emitRaw(pool, { streamId: organizationId, streamType: "organization", eventType: EVENT_TYPES.bootstrapInitiated, data: bootstrapData(uniqueSubdomain("twice")) }),
    sqlError("23505", /has already been bootstrapped/),
  );
  const { rowCount } = await pool.query("select 1 from public.domain_events where stream_id = $1", [organizationId]);
  assert.equal(rowCount, 1);
});
