/**
 * Where a request's CPU goes: one caller sends N bootstraps through the function, then N through the
 * floor, and the CPU time every process of the stack (and the benchmark's own client) spent meanwhile
 * is divided by N. On two cores the sum, not any one process, is what a request waits for.
 */
import { closedLoop } from "./lib/load.ts";
import { cpuPerOperation, cpuSnapshot, type ProcessGroup } from "./lib/process-cpu.ts";
import { viaFloor, viaFunction } from "./direct-path.ts";
import type { BenchSystem } from "./lib/system.ts";

export interface CpuCostSide {
  /** CPU ms per request, by process group. */
  readonly byGroup: Readonly<Partial<Record<ProcessGroup, number>>>;
  readonly totalMs: number;
  /** Wall-clock ms per request over the same window (one caller). */
  readonly wallMs: number;
}

export interface CpuCostResult {
  readonly requests: number;
  readonly fn: CpuCostSide;
  readonly floor: CpuCostSide;
}

async function measure(system: BenchSystem, requests: number, call: () => Promise<void>): Promise<CpuCostSide> {
  await closedLoop(1, { maxRequests: 20 }, call);
  const before = cpuSnapshot(system.stack.pid);
  const began = performance.now();
  const run = await closedLoop(1, { maxRequests: requests }, call);
  const wallMs = (performance.now() - began) / requests;
  if (run.errors > 0) throw new Error(`${run.errors} of ${requests} requests failed: ${run.errorSamples[0]}`);
  const byGroup = cpuPerOperation(before, cpuSnapshot(system.stack.pid), requests);
  return { byGroup, totalMs: Object.values(byGroup).reduce((sum, ms) => sum + ms, 0), wallMs };
}

export async function benchCpuCost(system: BenchSystem, options: { requests: number; log: (line: string) => void }): Promise<CpuCostResult> {
  options.log(`… CPU per request by process: ${options.requests} bootstraps through the function, then ${options.requests} through the floor`);
  const fn = await measure(system, options.requests, viaFunction(system));
  const floor = await measure(system, options.requests, viaFloor(system));
  options.log(`  function ${fn.totalMs.toFixed(1)} ms CPU per request (${fn.wallMs.toFixed(1)} ms wall), floor ${floor.totalMs.toFixed(1)} ms CPU (${floor.wallMs.toFixed(1)} ms wall)`);
  return { requests: options.requests, fn, floor };
}
