/**
 * Benchmark 1 (and the first half of 6): request → workflow started, through the real path —
 * supabase-js → gateway → the Deno function → PostgREST emit → gRPC-web proxy → Temporal, and the
 * function's workflow_started emit — against the floor measured in the same run: one Node process
 * doing the same emit_domain_event with `pg` and the same StartWorkflowExecution with
 * @temporalio/client, nothing else.
 */
import { historyFor, insertSyntheticHistory } from "../lib/synthetic-events.ts";
import { bootstrapInputs, floorBootstrap } from "./lib/floor.ts";
import { closedLoop, type LoadResult } from "./lib/load.ts";
import { median, medianOfRuns, summarize, type Summary } from "./lib/stats.ts";
import { benchForm, type BenchSystem } from "./lib/system.ts";

export interface LevelResult {
  readonly concurrency: number;
  readonly fn: Summary;
  readonly floor: Summary;
  /** Median over runs of successful bootstraps per second. */
  readonly fnThroughput: number;
  readonly floorThroughput: number;
  /** Answers other than 200 started (202 queued counts here: the direct start missed its budget). */
  readonly fnErrors: number;
  readonly floorErrors: number;
  readonly errorSamples: readonly string[];
}

export interface GrowthPoint {
  readonly events: number;
  readonly fn: Summary;
  readonly floor: Summary;
}

export interface DirectPathResult {
  readonly levels: readonly LevelResult[];
  /** One caller again, pausing SPACED_PAUSE_MS after each answer: the path's length without contention. */
  readonly spaced: LevelResult;
  readonly growth: readonly GrowthPoint[];
}

export interface DirectPathOptions {
  readonly runs: number;
  /** Requests per run at each concurrency (a run also ends after `runSeconds`). */
  readonly requests: Readonly<Record<number, number>>;
  readonly runSeconds: number;
  /** Table sizes (events in domain_events) at which concurrency 1 is measured again. */
  readonly historySizes: readonly number[];
  readonly log: (line: string) => void;
}

/** One bootstrap through the function; anything but 200 `started` is an error for this benchmark. */
export function viaFunction(system: BenchSystem) {
  return async () => {
    const { status, body } = await system.invoke(benchForm());
    if (status !== 200 || body.status !== "started") throw new Error(`HTTP ${status} ${JSON.stringify(body).slice(0, 200)}`);
  };
}

/** The floor: the same event insert and the same start request, straight from Node (inputs built in the call, as the function's are). */
export function viaFloor(system: BenchSystem) {
  return () => floorBootstrap(system, bootstrapInputs("bench-floor"));
}

/** Long enough for the previous request's after-work (the workflow_started write, logs) to finish. */
export const SPACED_PAUSE_MS = 30;

async function measureLevel(system: BenchSystem, concurrency: number, requests: number, runs: number, runSeconds: number, pauseMs = 0): Promise<LevelResult> {
  const limits = { maxRequests: requests, maxMs: runSeconds * 1000 + requests * pauseMs, pauseMs };
  const fnRuns: LoadResult[] = [];
  const floorRuns: LoadResult[] = [];
  // Alternating runs, so a burst of load from elsewhere on the machine hits both sides alike.
  for (let run = 0; run < runs; run += 1) {
    fnRuns.push(await closedLoop(concurrency, limits, viaFunction(system)));
    floorRuns.push(await closedLoop(concurrency, limits, viaFloor(system)));
  }
  return {
    concurrency,
    fn: medianOfRuns(fnRuns.map((r) => summarize(r.latencies))),
    floor: medianOfRuns(floorRuns.map((r) => summarize(r.latencies))),
    fnThroughput: median(fnRuns.map((r) => r.throughput)),
    floorThroughput: median(floorRuns.map((r) => r.throughput)),
    fnErrors: fnRuns.reduce((sum, r) => sum + r.errors, 0),
    floorErrors: floorRuns.reduce((sum, r) => sum + r.errors, 0),
    errorSamples: [...fnRuns, ...floorRuns].flatMap((r) => r.errorSamples).slice(0, 5),
  };
}

async function eventCount(system: BenchSystem): Promise<number> {
  const { rows } = await system.db.query<{ n: string }>("select count(*) as n from public.domain_events");
  return Number(rows[0]!.n);
}

export async function benchDirectPath(system: BenchSystem, options: DirectPathOptions): Promise<DirectPathResult> {
  const { log } = options;
  log("… warming up the function (first request boots it) and both paths");
  await closedLoop(1, { maxRequests: 20 }, viaFunction(system));
  await closedLoop(1, { maxRequests: 20 }, viaFloor(system));

  const levels: LevelResult[] = [];
  for (const [concurrency, requests] of Object.entries(options.requests).map(([c, n]) => [Number(c), n] as const)) {
    log(`… concurrency ${concurrency}: ${options.runs} runs × (${requests} requests or ${options.runSeconds} s), function and floor alternating`);
    const level = await measureLevel(system, concurrency, requests, options.runs, options.runSeconds);
    log(`  function p50 ${level.fn.p50.toFixed(1)} ms, floor p50 ${level.floor.p50.toFixed(1)} ms, ${level.fnThroughput.toFixed(0)} bootstraps/s, ${level.fnErrors} errors, floor ${level.floorErrors}${level.errorSamples.length ? ` (${level.errorSamples[0]})` : ""}`);
    levels.push(level);
  }

  log(`… one caller, ${SPACED_PAUSE_MS} ms between requests: ${options.runs} runs, function and floor alternating`);
  const spaced = await measureLevel(system, 1, options.requests[1] ?? 50, options.runs, options.runSeconds, SPACED_PAUSE_MS);
  log(`  function p50 ${spaced.fn.p50.toFixed(1)} ms, floor p50 ${spaced.floor.p50.toFixed(1)} ms`);

  const growth: GrowthPoint[] = [];
  const client = await system.db.connect();
  try {
    for (const target of options.historySizes) {
      const have = await eventCount(system);
      if (target > have) {
        log(`… growing domain_events from ${have.toLocaleString("en")} to ~${target.toLocaleString("en")} events (synthetic completed bootstraps)`);
        await insertSyntheticHistory(client, historyFor(target - have, 0), `g${target}`, { commitEvery: 5_000 });
        await client.query("vacuum analyze public.domain_events, public.organizations_projection, public.invitations_projection");
      }
      const level = await measureLevel(system, 1, options.requests[1] ?? 50, options.runs, options.runSeconds);
      const events = await eventCount(system);
      log(`  at ${events.toLocaleString("en")} events: function p50 ${level.fn.p50.toFixed(1)} ms, floor p50 ${level.floor.p50.toFixed(1)} ms`);
      growth.push({ events, fn: level.fn, floor: level.floor });
    }
  } finally {
    client.release();
  }
  return { levels, spaced, growth };
}
