import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { domainEventRowSchema } from "@org-bootstrap/shared/events/index.ts";
import { inRolledBackTransaction, openPool } from "./support/db.ts";

const SEED = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../seed.sql"), "utf8");
const pool = openPool(2);
after(() => pool.end());

test("seed.sql loads the demo organizations through emit_domain_event, and loading it twice changes nothing", async () => {
  await inRolledBackTransaction(pool, async (client) => {
    await client.query(SEED);
    const count = async () => (await client.query("select count(*)::int as n from public.domain_events where event_metadata ->> 'source' = 'seed'")).rows[0].n;
    const first = await count();
    await client.query(SEED);
    assert.equal(await count(), first, "the second load wrote no event");
    assert.equal(first, 18);

    const organizations = await client.query(
      "select subdomain, status, compensated_at is not null as compensated from public.organizations_projection where subdomain in ('acme-demo', 'globex-demo') order by subdomain",
    );
    assert.deepEqual(organizations.rows, [
      { subdomain: "acme-demo", status: "active", compensated: false },
      { subdomain: "globex-demo", status: "failed", compensated: true },
    ]);
    const invitations = await client.query(
      "select email, status from public.invitations_projection where email like '%-demo.test' order by email",
    );
    assert.deepEqual(invitations.rows, [
      { email: "ada@acme-demo.test", status: "accepted" },
      { email: "bob@acme-demo.test", status: "sent" },
      { email: "hank@globex-demo.test", status: "revoked" },
    ]);
  });
});

test("every seed event satisfies the shared zod schemas", async () => {
  await inRolledBackTransaction(pool, async (client) => {
    await client.query(SEED);
    const { rows } = await client.query("select to_jsonb(e) as row from public.domain_events e where event_metadata ->> 'source' = 'seed'");
    for (const { row } of rows) {
      const result = domainEventRowSchema.safeParse(row);
      assert.ok(result.success, `${row.event_type}: ${result.error?.message}`);
    }
  });
});
