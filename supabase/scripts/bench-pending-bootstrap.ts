/**
 * `npm run bench:event-store [-- --events 1000000 --pending 100 --repeats 200]`
 *
 * How fast the reconciler's sweep query, public.pending_bootstrap_events, answers on a large history.
 * Starts its own throwaway Postgres (nothing else of the stack, never your data), applies the
 * migrations, loads synthetic bootstraps through the real triggers, ANALYZEs, then prints: rows, load
 * rate, query latency p50/p95 over repeats (as service_role, client-measured round trips), the real
 * plan (auto_explain), and the same figures for the event-only alternative the migration rejected.
 * A benchmark, not a test: figures depend on the machine.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startPostgres, type RunningPostgres } from "../local/src/postgres/cluster.ts";
import { migrate } from "../local/src/postgres/migrate.ts";
import { freePort } from "../local/src/net.ts";
import { MIGRATIONS_DIR, REPO_ROOT } from "../local/src/paths.ts";
import { historyFor, insertSyntheticHistory } from "./lib/synthetic-events.ts";
import { explainPendingBootstrapEvents, explainPendingTriggerEvents } from "./lib/explain.ts";
import { formatLatency, measure } from "./lib/latency.ts";

const USAGE = "usage: npm run bench:event-store -- [--events <n>] [--pending <n>] [--repeats <n>]";

function readOptions(): { events: number; pending: number; repeats: number } {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: { events: { type: "string" }, pending: { type: "string" }, repeats: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = values[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be a whole number from ${min} to ${max}`);
    return value;
  };
  return { events: number("events", 1_000_000, 1_000, 20_000_000), pending: number("pending", 100, 1, 10_000), repeats: number("repeats", 200, 10, 100_000) };
}

function fail(message: string): never {
  process.stderr.write(`✖ ${message}\n  ${USAGE}\n`);
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** The rejected design: initiated events by created_at, anti-joined with workflow_started events. */
const EVENT_ONLY_QUERY = `
  select e.* from public.domain_events e
  where e.event_type = 'organization.bootstrap.initiated' and e.created_at <= now() - $1::interval
    and not exists (select 1 from public.domain_events s
                    where s.event_type = 'organization.bootstrap.workflow_started'
                      and s.stream_type = e.stream_type and s.stream_id = e.stream_id)
  order by e.created_at limit $2`;

async function main(): Promise<void> {
  const options = readOptions();
  const history = historyFor(options.events, options.pending);
  const dataDir = path.join(REPO_ROOT, ".local", `bench-${process.pid}`);
  let postgres: RunningPostgres | undefined;
  try {
    log(`… starting a throwaway Postgres in ${path.relative(process.cwd(), dataDir)}`);
    postgres = await startPostgres({ dataDir, port: await freePort(), ephemeral: true });
    await migrate(postgres.url, MIGRATIONS_DIR);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      log(`… loading ${history.events.toLocaleString("en")} events (${history.organizations.toLocaleString("en")} bootstraps, ${history.pending} pending)`);
      const loadStart = performance.now();
      let reported = 0;
      await insertSyntheticHistory(client, history, "bench", {
        commitEvery: 5_000,
        onProgress: (done) => {
          if (done - reported >= 25_000 || done === history.organizations) {
            reported = done;
            log(`  ${done.toLocaleString("en")} / ${history.organizations.toLocaleString("en")} bootstraps`);
          }
        },
      });
      const loadSeconds = (performance.now() - loadStart) / 1000;
      await client.query("vacuum analyze public.domain_events, public.organizations_projection, public.invitations_projection");
      const { rows: [counts] } = await client.query<{ events: string; pending: string }>(
        `select (select count(*) from public.domain_events) as events,
                (select count(*) from public.organizations_projection where bootstrap_workflow_id is null) as pending`);

      await client.query("set role service_role");
      const chosen = await measure(options.repeats, () => client.query("select * from public.pending_bootstrap_events(p_older_than => '0 seconds', p_limit => 100)"));
      const generic = await measure(options.repeats, () => client.query("select * from public.pending_trigger_events(p_older_than => '0 seconds', p_limit => 100)"));
      await client.query("reset role");
      await client.query("begin");
      const plan = await explainPendingBootstrapEvents(client, "0 seconds", 100);
      const genericPlan = await explainPendingTriggerEvents(client, "0 seconds", 100);
      await client.query("rollback");

      // The alternative gets the best indexes it could have (created here, in the throwaway database only).
      await client.query(`create index bench_initiated_created_at on public.domain_events (created_at) where event_type = 'organization.bootstrap.initiated'`);
      await client.query(`create index bench_started_stream on public.domain_events (stream_type, stream_id) where event_type = 'organization.bootstrap.workflow_started'`);
      await client.query("analyze public.domain_events");
      const alternative = await measure(Math.min(options.repeats, 50), () => client.query(EVENT_ONLY_QUERY, ["0 seconds", 100]));
      const alternativePlan = (await client.query(`explain (analyze, costs off) ${EVENT_ONLY_QUERY}`, ["0 seconds", 100])).rows
        .map((row) => row["QUERY PLAN"]).join("\n");

      log("");
      log(`rows             ${Number(counts!.events).toLocaleString("en")} events, ${Number(counts!.pending).toLocaleString("en")} pending bootstraps`);
      log(`load             ${loadSeconds.toFixed(1)} s (${Math.round(history.events / loadSeconds).toLocaleString("en")} events/s through the triggers)`);
      log(`pending query    ${formatLatency(chosen)}   ← pending_bootstrap_events(limit 100), as service_role`);
      log(`trigger query    ${formatLatency(generic)}   ← pending_trigger_events(limit 100), every trigger: what the sweep runs`);
      log(`event-only query ${formatLatency(alternative)}   ← the anti-join over domain_events it replaces`);
      log("");
      log("plan of pending_bootstrap_events (auto_explain):");
      log(plan.replace(/^[\s\S]*?plan:\n/, "").replace(/^/gm, "  "));
      log("plan of pending_trigger_events (auto_explain):");
      log(genericPlan.replace(/^[\s\S]*?plan:\n/, "").replace(/^/gm, "  "));
      log("plan of the event-only alternative:");
      log(alternativePlan.replace(/^/gm, "  "));
    } finally {
      await client.end();
    }
  } finally {
    await postgres?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
