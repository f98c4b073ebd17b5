/**
 * Benchmark 3: event → workflow started via Realtime, with no direct start at all. Events are
 * inserted with plain SQL; the worker's reconciler hears them over Realtime and starts the workflow.
 * Latency = the workflow's start time in Temporal (describe) − the moment the insert's commit was
 * acknowledged, both read from this machine's clock, so no polling interval adds to the figure.
 */
import { setTimeout as delay } from "node:timers/promises";
import { WorkflowNotFoundError } from "@temporalio/client";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { recordWithoutStart } from "./lib/events.ts";
import { medianOfRuns, summarize, type Summary } from "./lib/stats.ts";
import type { BenchSystem } from "./lib/system.ts";

export interface RealtimeResult {
  readonly latency: Summary;
  /** Events whose workflow did not start within the wait (the sweep would have started them later). */
  readonly missed: number;
}

const WAIT_MS = 5_000;

async function startTimeOf(system: BenchSystem, workflowId: string, deadline: number): Promise<number | undefined> {
  for (;;) {
    try {
      return (await system.temporal.workflow.getHandle(workflowId).describe()).startTime.getTime();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    if (Date.now() > deadline) return undefined;
    await delay(10);
  }
}

export async function benchRealtime(system: BenchSystem, options: { runs: number; events: number; log: (line: string) => void }): Promise<RealtimeResult> {
  // Realtime may say SUBSCRIBED a moment before changes flow: wait until one event makes it through.
  const ready = Date.now() + 30_000;
  for (;;) {
    const probe = await recordWithoutStart(system.db);
    if ((await startTimeOf(system, bootstrapWorkflowId(probe.organizationId), Date.now() + WAIT_MS)) !== undefined) break;
    if (Date.now() > ready) throw new Error("the reconciler never started a workflow from a Realtime event within 30 s");
  }
  options.log(`… Realtime rescue: ${options.runs} runs × ${options.events} events inserted with SQL, one at a time`);
  const runs: Summary[] = [];
  let missed = 0;
  for (let run = 0; run < options.runs; run += 1) {
    const samples: number[] = [];
    for (let i = 0; i < options.events; i += 1) {
      const event = await recordWithoutStart(system.db);
      const startedAt = await startTimeOf(system, bootstrapWorkflowId(event.organizationId), event.committedAt + WAIT_MS);
      if (startedAt === undefined) missed += 1;
      else samples.push(Math.max(0, startedAt - event.committedAt));
      // Spread over time, so each event is a separate logical-decoding poll, as in real traffic.
      await delay(50 + Math.random() * 100);
    }
    runs.push(summarize(samples));
  }
  const latency = medianOfRuns(runs);
  options.log(`  p50 ${latency.p50.toFixed(0)} ms, p95 ${latency.p95.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms, ${missed} missed`);
  return { latency, missed };
}
