/**
 * The local Realtime's postgres_changes, driven only through @supabase/supabase-js (and `pg` for
 * fixtures). Absence is proven without sleeping: commits are delivered in order, so when a later
 * matching row has arrived, an earlier one that was going to arrive already has.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { createClient, type RealtimeChannel, type RealtimePostgresChangesPayload, type SupabaseClient } from "@supabase/supabase-js";
import { loadSigningKeys } from "../src/auth/keys.ts";
import { signUserToken } from "../src/auth/user-token.ts";
import { stackEnv } from "./support/env.ts";

const env = stackEnv();
const db = new pg.Client({ connectionString: env.dbUrl });
const clients: SupabaseClient[] = [];
const tables: string[] = [];
type Row = Record<string, unknown>;
type Change = RealtimePostgresChangesPayload<Row>;

before(() => db.connect());
after(async () => {
  await fault("resume").catch(() => {});
  for (const client of clients) {
    await client.removeAllChannels();
    client.realtime.disconnect();
  }
  for (const table of tables) await db.query(`drop table if exists public.${table}`);
  await db.end();
});

function connect(key: string, options: { vsn?: string } = {}): SupabaseClient {
  const client = createClient(env.supabaseUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { ...(options.vsn ? { vsn: options.vsn } : {}) },
  });
  clients.push(client);
  return client;
}

/**
 * A client acting as a signed-in user. supabase-js resolves the token asynchronously; a channel
 * subscribed before that joins with the apikey's role (real Realtime falls back the same way),
 * so wait for the token first, as an app does after sign-in.
 */
async function connectAs(key: string, accessToken: string): Promise<SupabaseClient> {
  const client = createClient(env.supabaseUrl, key, {
    accessToken: async () => accessToken,
  });
  clients.push(client);
  await client.realtime.setAuth();
  return client;
}

/** A fresh table in public, optionally published to Realtime; dropped after the suite. */
async function table(columns: string, { publish = true } = {}): Promise<string> {
  const name = `rt_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  tables.push(name);
  await db.query(`create table public.${name} (${columns})`);
  if (publish) await db.query(`alter publication supabase_realtime add table public.${name}`);
  return name;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(5);
  }
}

interface Subscription {
  readonly channel: RealtimeChannel;
  readonly changes: Change[];
  readonly statuses: string[];
  readonly system: Array<Record<string, unknown>>;
}

type Binding = { event: "INSERT" | "UPDATE" | "DELETE" | "*"; schema: string; table?: string; filter?: string };

/**
 * Subscribes and resolves once the subscription is live: after SUBSCRIBED (the join's answer) and
 * the server's `system` message, as a client must wait on the real server. `untilLive: false`
 * resolves on SUBSCRIBED alone. Rejects on CHANNEL_ERROR or TIMED_OUT.
 */
async function subscribe(client: SupabaseClient, bindings: Binding[], { untilLive = true } = {}): Promise<Subscription> {
  const channel = client.channel(`test-${crypto.randomUUID()}`);
  const sub: Subscription = { channel, changes: [], statuses: [], system: [] };
  for (const binding of bindings) channel.on("postgres_changes" as never, binding as never, (payload: Change) => sub.changes.push(payload));
  channel.on("system", {}, (payload: Record<string, unknown>) => sub.system.push(payload));
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, error) => {
      sub.statuses.push(status);
      if (status === "SUBSCRIBED") resolve();
      else reject(new Error(`${status}: ${error?.message ?? ""}`));
    });
  });
  if (untilLive && bindings.length > 0) await waitUntil("the subscription to be live (the system message)", () => sub.system.length > 0, 5_000);
  return sub;
}

const newRows = (sub: Subscription) => sub.changes.map((c) => c.new as Row);

async function fault(action: "drop" | "pause" | "resume" | `subscribe-delay?ms=${number}`): Promise<void> {
  const response = await fetch(`${env.supabaseUrl}/_stack/realtime/${action}`, { method: "POST", headers: { apikey: env.serviceRoleKey } });
  assert.equal(response.status, 200, `POST /_stack/realtime/${action}`);
}

/** The WAL position after everything committed so far. */
async function walPosition(): Promise<string> {
  return (await db.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn")).rows[0]!.lsn;
}

/** Waits until the Realtime replication slot has received (and acknowledged) everything up to `lsn`. */
async function realtimeHasRead(lsn: string): Promise<void> {
  await waitUntil("the Realtime slot to acknowledge the WAL", async () => {
    const { rows } = await db.query<{ done: boolean | null }>(
      `select bool_and(confirmed_flush_lsn >= $1::pg_lsn) as done from pg_replication_slots
        where slot_name like 'supabase_local_realtime_%' and active`,
      [lsn],
    );
    return rows[0]?.done === true;
  }, 10_000);
}

test("the join is answered before the subscription is live, as on the real server: a row committed in between is never delivered", async () => {
  const name = await table("id bigserial primary key, note text");
  await fault("subscribe-delay?ms=1500");
  try {
    const answeredAt = performance.now();
    const sub = await subscribe(connect(env.serviceRoleKey), [{ event: "INSERT", schema: "public", table: name }], { untilLive: false });
    assert.equal(sub.system.length, 0, "the system message comes after the subscription is live, not with the join's answer");
    await db.query(`insert into public.${name} (note) values ('between SUBSCRIBED and live')`);
    await waitUntil("the system message", () => sub.system.length > 0, 5_000);
    assert.ok(performance.now() - answeredAt >= 1400, "the subscription went live before its delay");
    assert.equal(sub.system[0]!.status, "ok");
    await db.query(`insert into public.${name} (note) values ('after live')`);
    await waitUntil("the row committed after live", () => sub.changes.length > 0, 2_000);
    await realtimeHasRead(await walPosition());
    assert.deepEqual(newRows(sub).map((row) => row.note), ["after live"]);
  } finally {
    await fault("subscribe-delay?ms=100");
  }
});

test("an insert committed after SUBSCRIBED arrives within 1 s, typed like to_jsonb, through an eq filter on a dotted value", async () => {
  const name = await table(`id bigserial primary key, event_type text not null, payload jsonb, amount int4, ratio numeric,
    flag bool, tags text[], created_at timestamptz not null default now(), ref uuid default gen_random_uuid()`);
  const sub = await subscribe(connect(env.serviceRoleKey), [
    { event: "INSERT", schema: "public", table: name, filter: "event_type=eq.organization.bootstrap.initiated" },
  ]);
  await waitUntil("the system message", () => sub.system.length > 0);
  assert.deepEqual(sub.system[0], { extension: "postgres_changes", status: "ok", message: "Subscribed to PostgreSQL", channel: sub.channel.subTopic });

  const started = performance.now();
  const { rows } = await db.query<{ id: string; expected: Row }>(
    `insert into public.${name} (event_type, payload, amount, ratio, flag, tags)
     values ('organization.bootstrap.initiated', '{"subdomain":"acme","admins":[{"email":"a@b.c"}]}', 42, 1.50, true, '{a,"b c"}')
     returning id, to_jsonb(${name}.*) as expected`,
  );
  await waitUntil("the insert to arrive", () => sub.changes.length === 1, 1_000);
  const latencyMs = performance.now() - started;

  const change = sub.changes[0]!;
  assert.equal(change.eventType, "INSERT");
  assert.equal(change.schema, "public");
  assert.equal(change.table, name);
  assert.match(change.commit_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(change.new, rows[0]!.expected, "every value as Realtime's to_jsonb renders it");
  assert.equal(typeof change.new.id, "number");
  assert.deepEqual(change.new.payload, { subdomain: "acme", admins: [{ email: "a@b.c" }] });
  assert.match(String(change.new.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
  assert.deepEqual(change.old, {});
  console.log(`# insert → delivery latency ${latencyMs.toFixed(1)} ms`);
});

test("a non-matching insert never arrives: only the later matching one does", async () => {
  const name = await table("id bigserial primary key, event_type text not null");
  const sub = await subscribe(connect(env.serviceRoleKey), [
    { event: "INSERT", schema: "public", table: name, filter: "event_type=eq.organization.bootstrap.initiated" },
  ]);
  await db.query(`insert into public.${name} (event_type) values ('organization.bootstrap.completed')`);
  await db.query(`insert into public.${name} (event_type) values ('organization.bootstrap.initiatedX')`);
  await db.query(`insert into public.${name} (event_type) values ('organization.bootstrap.initiated')`);
  await waitUntil("the matching insert", () => sub.changes.length >= 1);
  assert.deepEqual(newRows(sub).map((r) => r.event_type), ["organization.bootstrap.initiated"]);
});

test("a rolled-back insert never arrives", async () => {
  const name = await table("id bigserial primary key, label text not null");
  const sub = await subscribe(connect(env.serviceRoleKey), [{ event: "INSERT", schema: "public", table: name }]);
  await db.query("begin");
  await db.query(`insert into public.${name} (label) values ('rolled back')`);
  await db.query("rollback");
  await db.query(`insert into public.${name} (label) values ('committed')`);
  await waitUntil("the committed insert", () => sub.changes.length >= 1);
  assert.deepEqual(newRows(sub).map((r) => r.label), ["committed"]);
});

test("a table outside supabase_realtime delivers nothing and cannot be subscribed to", async () => {
  const published = await table("id bigserial primary key, label text");
  const unpublished = await table("id bigserial primary key, label text", { publish: false });
  const leaving = await table("id bigserial primary key, label text");
  const client = connect(env.serviceRoleKey);

  const direct = await subscribe(client, [{ event: "INSERT", schema: "public", table: unpublished }]);
  await waitUntil("the system message", () => direct.system.length > 0);
  assert.equal(direct.system[0]!.status, "error");
  assert.match(String(direct.system[0]!.message), /Unable to subscribe to changes/);

  // Schema-wide, and a table that leaves the publication after the subscription was made.
  const wide = await subscribe(client, [
    { event: "INSERT", schema: "public" },
    { event: "INSERT", schema: "public", table: leaving },
  ]);
  await db.query(`alter publication supabase_realtime drop table public.${leaving}`);
  await db.query(`insert into public.${unpublished} (label) values ('unpublished')`);
  await db.query(`insert into public.${leaving} (label) values ('left the publication')`);
  await db.query(`insert into public.${published} (label) values ('published')`);
  await waitUntil("the published insert", () => wide.changes.some((c) => c.table === published));
  const mine = wide.changes.filter((c) => [published, unpublished, leaving].includes(c.table));
  assert.deepEqual(mine.map((c) => (c.new as Row).label), ["published"]);
  assert.equal(direct.changes.length, 0);
});

test("1,000 rows inserted in one transaction all arrive, in commit order", async () => {
  const name = await table("id bigserial primary key, seq int not null");
  const sub = await subscribe(connect(env.serviceRoleKey), [{ event: "INSERT", schema: "public", table: name }]);
  const started = performance.now();
  await db.query(`insert into public.${name} (seq) select g from generate_series(1, 1000) g`);
  await waitUntil("1,000 rows", () => sub.changes.length >= 1000, 15_000);
  console.log(`# 1,000-row transaction delivered in ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(sub.changes.length, 1000);
  assert.deepEqual(newRows(sub).map((r) => r.seq), Array.from({ length: 1000 }, (_, i) => i + 1));
});

test("RLS: anon gets only rows its policy shows, a user only its own, service_role everything; no SELECT grant, nothing", async () => {
  const name = await table("id bigserial primary key, owner uuid, visible bool not null, label text not null");
  const secret = await table("id bigserial primary key, label text not null");
  await db.query(`alter table public.${name} enable row level security`);
  await db.query(`create policy anon_visible on public.${name} for select to anon using (visible)`);
  await db.query(`create policy own_rows on public.${name} for select to authenticated using (owner = auth.uid())`);
  await db.query(`revoke select on public.${secret} from anon`);

  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const userId = crypto.randomUUID();
  const userToken = await signUserToken(keys, { appRole: "platform_admin", sub: userId });

  const service = await subscribe(connect(env.serviceRoleKey), [{ event: "INSERT", schema: "public", table: name }]);
  const anon = await subscribe(connect(env.anonKey), [
    { event: "INSERT", schema: "public", table: name },
    { event: "INSERT", schema: "public", table: secret },
  ]);
  const user = await subscribe(await connectAs(env.anonKey, userToken), [{ event: "INSERT", schema: "public", table: name }]);

  await db.query(`insert into public.${secret} (label) values ('secret')`);
  await db.query(`insert into public.${name} (owner, visible, label) values ($1, false, 'hidden, owned by someone else')`, [crypto.randomUUID()]);
  await db.query(`insert into public.${name} (owner, visible, label) values ($1, false, 'hidden, owned by the user')`, [userId]);
  await db.query(`insert into public.${name} (owner, visible, label) values (null, true, 'public')`);

  await waitUntil("every delivery", () => service.changes.length >= 3 && anon.changes.length >= 1 && user.changes.length >= 1);
  assert.deepEqual(newRows(service).map((r) => r.label), ["hidden, owned by someone else", "hidden, owned by the user", "public"]);
  assert.deepEqual(newRows(anon).map((r) => r.label), ["public"]);
  assert.deepEqual(newRows(user).map((r) => r.label), ["hidden, owned by the user"]);
});

test("an invalid access token is refused at join; a key that is not the anon or service_role key never connects", async () => {
  const forged = await connectAs(env.anonKey, `${env.anonKey.slice(0, -4)}AAAA`);
  await assert.rejects(subscribe(forged, [{ event: "*", schema: "public" }]), /CHANNEL_ERROR: Invalid JWT/);

  // A perfectly valid user JWT is still not an API key: the gateway refuses the upgrade.
  const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
  const stranger = connect(await signUserToken(keys, { appRole: "platform_admin" }));
  await assert.rejects(subscribe(stranger, [{ event: "*", schema: "public" }]), /CHANNEL_ERROR/);
});

test("UPDATE and DELETE carry the old record Realtime gives with the default replica identity", async () => {
  const name = await table("id bigserial primary key, label text not null");
  const sub = await subscribe(connect(env.serviceRoleKey, { vsn: "1.0.0" }), [{ event: "*", schema: "public", table: name }]);
  const { rows } = await db.query<{ id: string }>(`insert into public.${name} (label) values ('a') returning id`);
  const id = Number(rows[0]!.id);
  await db.query(`update public.${name} set label = 'b' where id = $1`, [id]);
  await db.query(`delete from public.${name} where id = $1`, [id]);
  await waitUntil("insert, update and delete", () => sub.changes.length >= 3);
  assert.deepEqual(sub.changes.map((c) => [c.eventType, c.new, c.old]), [
    ["INSERT", { id, label: "a" }, {}],
    ["UPDATE", { id, label: "b" }, {}],
    ["DELETE", {}, { id }],
  ]);
});

test("filters compare like Postgres: numbers numerically, uuids case-insensitively, in lists", async () => {
  const name = await table("id uuid primary key, n int not null, label text not null");
  const target = crypto.randomUUID();
  const seen: string[] = [];
  const channel = connect(env.serviceRoleKey).channel(`test-${crypto.randomUUID()}`);
  const on = (tag: string, filter: string) =>
    channel.on("postgres_changes", { event: "INSERT", schema: "public", table: name, filter }, (p) => seen.push(`${tag}:${String(p.new.label)}`));
  on("gt9", "n=gt.9");
  on("in13", "n=in.(1,3)");
  on("uuid", `id=eq.${target.toUpperCase()}`);
  let live = false;
  channel.on("system", {}, () => (live = true));
  await new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => (status === "SUBSCRIBED" ? resolve() : reject(new Error(`${status} ${error?.message}`)))));
  await waitUntil("the subscription to be live", () => live);
  await db.query(
    `insert into public.${name} (id, n, label) values ($1, 2, 'r1'), (gen_random_uuid(), 10, 'r2'),
       (gen_random_uuid(), 3, 'r3'), (gen_random_uuid(), 9, 'r4'), (gen_random_uuid(), 100, 'end')`,
    [target],
  );
  await waitUntil("the last row", () => seen.includes("gt9:end"));
  assert.deepEqual(seen, ["uuid:r1", "gt9:r2", "in13:r3", "gt9:end"]);
});

test("a filter on a column that does not exist is reported in the system message", async () => {
  const name = await table("id bigserial primary key");
  const sub = await subscribe(connect(env.serviceRoleKey), [{ event: "INSERT", schema: "public", table: name, filter: "nope=eq.1" }]);
  await waitUntil("the system message", () => sub.system.length > 0);
  assert.deepEqual(sub.system[0], { extension: "postgres_changes", status: "error", message: "invalid column for filter nope", channel: sub.channel.subTopic });
});

test("after POST /_stack/realtime/drop the client rejoins by itself; rows from while it was away are not replayed", async () => {
  const name = await table("id bigserial primary key, label text not null");
  const sub = await subscribe(connect(env.serviceRoleKey), [{ event: "INSERT", schema: "public", table: name }]);
  await db.query(`insert into public.${name} (label) values ('before')`);
  await waitUntil("the first row", () => sub.changes.length === 1);

  await fault("drop");
  await waitUntil("the client to notice the drop", () => sub.statuses.includes("CHANNEL_ERROR"));
  await db.query(`insert into public.${name} (label) values ('while disconnected')`);
  await realtimeHasRead(await walPosition());
  assert.equal(sub.statuses.at(-1), "CHANNEL_ERROR", "the row must be read while the client is still away");

  const liveBefore = sub.system.length;
  await waitUntil("the client to rejoin", () => sub.statuses.at(-1) === "SUBSCRIBED", 15_000);
  await waitUntil("the rejoined subscription to be live", () => sub.system.length > liveBefore, 5_000);
  await db.query(`insert into public.${name} (label) values ('after rejoin')`);
  await waitUntil("the row inserted after the rejoin", () => sub.changes.length >= 2);
  assert.deepEqual(newRows(sub).map((r) => r.label), ["before", "after rejoin"]);
});

test("pause: joins and heartbeats still work but nothing is delivered; resume delivers again", async () => {
  const name = await table("id bigserial primary key, label text not null");
  const client = connect(env.serviceRoleKey);
  const sub = await subscribe(client, [{ event: "INSERT", schema: "public", table: name }]);
  await fault("pause");
  try {
    await db.query(`insert into public.${name} (label) values ('while paused')`);
    const late = await subscribe(client, [{ event: "INSERT", schema: "public", table: name }]);
    await waitUntil("the late join's system message", () => late.system.length > 0);
    assert.equal(late.system[0]!.status, "ok", "a join while paused still reports Subscribed to PostgreSQL");
    await realtimeHasRead(await walPosition());
    const heartbeats: string[] = [];
    client.realtime.onHeartbeat((status) => heartbeats.push(status));
    await client.realtime.sendHeartbeat();
    await waitUntil("the heartbeat reply", () => heartbeats.includes("ok"));
    assert.equal(sub.statuses.at(-1), "SUBSCRIBED");
    assert.equal(sub.changes.length, 0);
  } finally {
    await fault("resume");
  }
  await db.query(`insert into public.${name} (label) values ('after resume')`);
  await waitUntil("the row inserted after resume", () => sub.changes.length >= 1);
  assert.deepEqual(newRows(sub).map((r) => r.label), ["after resume"]);
});
