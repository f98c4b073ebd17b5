/**
 * `npm run bench`: every benchmark of the direct path and the reconciler against a stack of its
 * own (free ports, durable commits), then docs/benchmarks.md and its SVG plots. A script, not a
 * test: the figures depend on the machine, which the report names. About 9 minutes on 2 cores, most of
 * it the 10,000-event backlog and the poller compared with it (the Temporal dev server starts ~100/s).
 *
 *   BENCH_RUNS=3                      repeated runs per figure (the median is reported)
 *   BENCH_RUN_SECONDS=6               longest run of benchmark 1 (a run also ends after its request count)
 *   BENCH_BACKLOG=10000               the backlog of benchmark 4
 *   BENCH_BACKLOG_SIZES=1000,3000     smaller backlogs for the growth figure (BENCH_BACKLOG is added)
 *   BENCH_HISTORY_SIZES=0,100000,300000  table sizes (events) for the request-latency growth figure
 *   BENCH_POLLER=1                    0 skips the 5-second-poller comparison
 *   BENCH_POLLER_SECONDS=60           the poller's time cap (it is sequential; past the cap its total is projected)
 *   BENCH_OUT=docs                    where benchmarks.md and the SVGs go
 *   RECONCILE_CONCURRENCY=16          the draining worker's starts in flight (its own variable, passed through)
 */
import fs from "node:fs";
import path from "node:path";
import { consoleProgress } from "../../local/src/log.ts";
import { describeStackError } from "../../local/src/errors.ts";
import { REPO_ROOT } from "../../local/src/paths.ts";
import { benchBacklog } from "./backlog.ts";
import { benchBreakdown } from "./breakdown.ts";
import { benchColdStart } from "./cold-start.ts";
import { benchCpuCost } from "./cpu-cost.ts";
import { benchDeactivation } from "./deactivation.ts";
import { benchDirectPath } from "./direct-path.ts";
import { settleFloorLeftovers } from "./lib/events.ts";
import { describeMachine } from "./lib/machine.ts";
import { IDLE_TASK_QUEUE, startBenchSystem, type BenchSystem } from "./lib/system.ts";
import { benchProxyOverhead } from "./proxy-overhead.ts";
import { benchRealtime } from "./realtime-rescue.ts";
import { writeReport } from "./report.ts";

const log = (line: string) => process.stdout.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`✖ ${message}\n`);
  process.exit(2);
}

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return value;
}

function listEnv(name: string, fallback: number[], min: number, max: number): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < min || v > max)) fail(`${name} must be comma-separated whole numbers from ${min} to ${max}, not "${raw}"`);
  return values;
}

async function main(): Promise<void> {
  const runs = intEnv("BENCH_RUNS", 3, 1, 20);
  const backlogSize = intEnv("BENCH_BACKLOG", 10_000, 100, 100_000);
  const backlogSizes = [...new Set([...listEnv("BENCH_BACKLOG_SIZES", [1_000, 3_000], 100, 100_000).filter((s) => s < backlogSize), backlogSize])].sort((a, b) => a - b);
  const historySizes = listEnv("BENCH_HISTORY_SIZES", [0, 100_000, 300_000], 0, 10_000_000);
  const poller = intEnv("BENCH_POLLER", 1, 0, 1) === 1;
  const pollerMaxSeconds = intEnv("BENCH_POLLER_SECONDS", 60, 10, 3600);
  const outDir = path.resolve(REPO_ROOT, process.env.BENCH_OUT ?? "docs");
  fs.mkdirSync(outDir, { recursive: true });
  const requests = { 1: 200, 10: 300, 50: 600 };
  const runSeconds = intEnv("BENCH_RUN_SECONDS", 6, 1, 600);
  const settings = {
    runs,
    "requests per run (1 / 10 / 50 callers)": `${Object.values(requests).join(" / ")}, or ${runSeconds} s, whichever ends first`,
    proxyCalls: 200,
    cpuRequests: 300,
    realtimeEvents: 40,
    deactivationRequests: 100,
    coldStarts: 7,
    backlogs: backlogSizes.join(", "),
    historySizes: historySizes.join(", "),
    poller: poller ? `yes, at ${backlogSize}, cut after ${pollerMaxSeconds} s and projected from its rate if not done` : "skipped",
  };

  const began = Date.now();
  const machine = describeMachine();
  log(`benchmarking on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), load ${machine.loadAtStart}`);
  let system: BenchSystem;
  try {
    system = await startBenchSystem(consoleProgress(process.stdout));
  } catch (error) {
    fail(`the benchmark stack did not start: ${describeStackError(error)}`);
  }
  const stopOnSignal = () => void system.stop().finally(() => process.exit(130));
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    log("\n[1/5] request → workflow started, and its growth with the table");
    const direct = await benchDirectPath(system, { runs, requests, runSeconds, historySizes, log });
    log("\n[1b/5] the second trigger: deactivation request → workflow started, one caller");
    const deactivation = await benchDeactivation(system, { runs, requests: settings.deactivationRequests, log });
    log("\n[2/5] proxy overhead");
    const proxy = await benchProxyOverhead(system, { runs, calls: settings.proxyCalls, log });
    const breakdown = await benchBreakdown(system, { runs, calls: 60, log });
    const cpu = await benchCpuCost(system, { requests: settings.cpuRequests, log });
    log("\n[3/5] cold start and bundle size");
    const coldStart = await benchColdStart(system, { runs: settings.coldStarts, log });

    const settled = await settleFloorLeftovers(system.db);
    log(`\n[4/5] event → started via Realtime (marked the floor's ${settled} events started first: the floor writes no workflow_started)`);
    const worker = await system.startWorker({ TEMPORAL_TASK_QUEUE: IDLE_TASK_QUEUE });
    let realtime;
    try {
      realtime = await benchRealtime(system, { runs, events: settings.realtimeEvents, log });
    } finally {
      await worker.stop();
    }
    // On a fresh stack: the dev server's SQLite file slows as its history grows (measured by hand:
    // 215 → 197 starts/s over 12,000 starts), so after the benchmarks above (~10,000 workflows) a drain
    // would pay for their history. Every drain, the poller and their ceiling share this second stack.
    log("\n[5/5] backlog drain, and its growth with the backlog, on a fresh stack");
    await system.stop();
    system = await startBenchSystem(consoleProgress(process.stdout));
    const backlog = await benchBacklog(system, { sizes: backlogSizes, pollerSize: poller ? backlogSize : undefined, pollerMaxSeconds, log });

    const files = writeReport({ machine, settings, durationSeconds: (Date.now() - began) / 1000, direct, deactivation, proxy, breakdown, cpu, realtime, backlog, coldStart }, outDir);
    log(`\n✔ wrote ${files.map((f) => path.relative(process.cwd(), f)).join(", ")} in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
