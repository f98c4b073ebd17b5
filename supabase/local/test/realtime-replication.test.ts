/**
 * The Realtime service's replication reader, on a second instance of the service mounted on its own
 * port (so killing its replication connection cannot disturb the shared test stack's Realtime).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { loadSigningKeys } from "../src/auth/keys.ts";
import { createRealtimeService } from "../src/gateway/realtime/index.ts";
import { stackEnv } from "./support/env.ts";

const env = stackEnv();
const db = new pg.Client({ connectionString: env.dbUrl });
const table = `rt_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
/** This process's slots: the service names them after the pid of the process running it. */
const slotPattern = `supabase_local_realtime_${process.pid}_%`;

let service: Awaited<ReturnType<typeof createRealtimeService>> | undefined;
let server: http.Server;
let client: SupabaseClient;

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

async function activeSlots(): Promise<Array<{ slot_name: string; active_pid: number | null }>> {
  const { rows } = await db.query<{ slot_name: string; active_pid: number | null }>(
    "select slot_name, active_pid from pg_replication_slots where slot_name like $1",
    [slotPattern],
  );
  return rows;
}

before(async () => {
  await db.connect();
  await db.query(`create table public.${table} (id bigserial primary key, label text not null)`);
  await db.query(`alter publication supabase_realtime add table public.${table}`);
  const publicUrl = "http://127.0.0.1";
  service = await createRealtimeService({
    keys: await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`),
    apiDbUrl: env.dbUrl,
    adminDbUrl: env.dbUrl,
    publicUrl,
    dataDir: env.dataDir,
    functionsEnv: {},
  });
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => service!.handleUpgrade(req, socket, head, new URL(req.url ?? "/", publicUrl)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = createClient(`http://127.0.0.1:${port}`, env.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
});

after(async () => {
  await client?.removeAllChannels();
  client?.realtime.disconnect();
  await service?.close();
  server?.close();
  await db.query(`drop table if exists public.${table}`);
  await db.end();
});

test("when its replication connection is killed, the service logs it, reconnects on a new slot and delivers again", async () => {
  const labels: string[] = [];
  let live = false;
  await new Promise<void>((resolve, reject) => {
    client
      .channel(`test-${crypto.randomUUID()}`)
      .on("postgres_changes", { event: "INSERT", schema: "public", table }, (p) => labels.push(String(p.new.label)))
      .on("system", {}, () => (live = true))
      .subscribe((status, error) => (status === "SUBSCRIBED" ? resolve() : reject(new Error(`${status} ${error?.message}`))));
  });
  // SUBSCRIBED is the join's answer; the server says when the subscription is live.
  await waitUntil("the subscription to be live", () => live);
  await db.query(`insert into public.${table} (label) values ('before')`);
  await waitUntil("the first row", () => labels.length === 1);

  const [first] = await activeSlots();
  assert.ok(first?.active_pid, "the service streams from a slot named after this process");
  const logged: string[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
  };
  try {
    await db.query("select pg_terminate_backend($1)", [first.active_pid]);
    await waitUntil("a new slot to stream", async () => (await activeSlots()).some((s) => s.slot_name !== first.slot_name && s.active_pid !== null));
    // The slot turns active on START_REPLICATION; the reader logs the reconnect a moment later, when the
    // stream starts (CI once checked the log in between).
    await waitUntil("the reconnect to be logged", () => logged.some((line) => line.includes("re-established")));
  } finally {
    console.error = originalError;
  }
  assert.ok(logged.some((line) => line.includes("replication connection lost")), `logged: ${logged.join(" | ")}`);
  assert.ok(logged.some((line) => line.includes("re-established")), `logged: ${logged.join(" | ")}`);

  await db.query(`insert into public.${table} (label) values ('after reconnect')`);
  await waitUntil("the row inserted after the reconnect", () => labels.includes("after reconnect"));
  assert.deepEqual(labels, ["before", "after reconnect"]);
});

test("close() stops the reader and its temporary slot disappears", async () => {
  assert.ok((await activeSlots()).length > 0);
  await service!.close();
  service = undefined;
  await waitUntil("the slot to be dropped", async () => (await activeSlots()).length === 0);
});
