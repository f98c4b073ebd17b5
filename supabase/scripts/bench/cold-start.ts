/**
 * Benchmark 5: the edge function's cold start — the first request after its process starts — and
 * its bundle size. The local Functions runtime boots a function's Deno process on its first request
 * and boots a new one after a crash (as the Edge Runtime creates a new worker), so killing the
 * process makes the next request a real cold start: Deno starts, loads the function's module graph
 * (from the module cache, as the Edge Runtime loads a deployed bundle), reads its config and serves.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { setTimeout as delay } from "node:timers/promises";
import { bundleFunction } from "../../../workflows/scripts/function-bundle.ts";
import { readProcesses } from "./lib/process-cpu.ts";
import { median } from "./lib/stats.ts";
import { benchForm, FUNCTION_NAME, type BenchSystem } from "./lib/system.ts";

export interface ColdStartResult {
  /** Median first-request latency after a fresh process, and each sample. */
  readonly coldMs: number;
  readonly coldSamples: readonly number[];
  readonly warmMs: number;
  readonly bundle: { readonly bytes: number; readonly gzipBytes: number; readonly tool: string };
}

/** Our function's Deno process: a child of the stack's process (the gateway runs there) running its folder. */
function functionPids(stackPid: number): number[] {
  return [...readProcesses()]
    .filter(([, info]) => info.ppid === stackPid && info.cmdline.includes("deno") && info.cmdline.includes(FUNCTION_NAME))
    .map(([pid]) => pid);
}

async function killFunctionProcess(stackPid: number): Promise<void> {
  const pids = functionPids(stackPid);
  if (pids.length === 0) throw new Error(`no ${FUNCTION_NAME} process found to restart`);
  for (const pid of pids) process.kill(pid, "SIGKILL");
  const deadline = Date.now() + 10_000;
  // Gone from /proc only once reaped, i.e. once the stack's runner has seen the exit (a zombie still has an entry).
  while (pids.some((pid) => fs.existsSync(`/proc/${pid}`))) {
    if (Date.now() > deadline) throw new Error("the function process did not exit");
    await delay(20);
  }
}

async function timedRequest(system: BenchSystem): Promise<number> {
  const start = performance.now();
  const { status } = await system.invoke(benchForm());
  const elapsed = performance.now() - start;
  if (status !== 200) throw new Error(`HTTP ${status}`);
  return elapsed;
}

/**
 * The deploy artifact's size: the function bundled into one file by the project's own bundler
 * (workflows/scripts/function-bundle.ts, what `npm run build` ships), and that file gzipped.
 */
async function bundleSize(outDir: string): Promise<ColdStartResult["bundle"]> {
  const bundle = await bundleFunction(FUNCTION_NAME, path.join(outDir, "organization-bootstrap.bundle.js"));
  const bytes = fs.readFileSync(bundle.file);
  return { bytes: bytes.length, gzipBytes: zlib.gzipSync(bytes, { level: 9 }).length, tool: "workflows/scripts/function-bundle.ts (esbuild, not minified)" };
}

export async function benchColdStart(system: BenchSystem, options: { runs: number; log: (line: string) => void }): Promise<ColdStartResult> {
  options.log(`… cold start: ${options.runs} × (kill the function's process, time the next request)`);
  await timedRequest(system); // make sure one process exists
  const coldSamples: number[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    await killFunctionProcess(system.stack.pid);
    coldSamples.push(await timedRequest(system));
  }
  const warm: number[] = [];
  for (let i = 0; i < 30; i += 1) warm.push(await timedRequest(system));
  const bundle = await bundleSize(system.dataDir);
  const result = { coldMs: median(coldSamples), coldSamples, warmMs: median(warm), bundle };
  options.log(`  cold ${result.coldMs.toFixed(0)} ms (warm ${result.warmMs.toFixed(0)} ms); bundle ${(bundle.bytes / 1024).toFixed(0)} KiB, ${(bundle.gzipBytes / 1024).toFixed(0)} KiB gzipped`);
  return result;
}
