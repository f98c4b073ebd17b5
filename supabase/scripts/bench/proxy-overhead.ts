/**
 * Benchmark 2: what the gRPC-web proxy adds to StartWorkflowExecution. The same start request,
 * alternately through the proxy (shared/src/temporal/client.ts: gRPC-web over fetch, what the edge
 * function uses) and straight to Temporal with @temporalio/client, one at a time from this process.
 */
import { randomUUID } from "node:crypto";
import { bootstrapStartMetadata, type BootstrapWorkflowInput } from "@org-bootstrap/shared/bootstrap-input.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { BOOTSTRAP_TASK_QUEUE, BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { bootstrapStartOptions } from "../../../workflows/src/worker/start-options.ts";
import { medianOfRuns, summarize, type Summary } from "./lib/stats.ts";
import { benchForm, type BenchSystem } from "./lib/system.ts";

export interface ProxyOverheadResult {
  readonly proxy: Summary;
  readonly direct: Summary;
  /** Median over runs of (proxy p50 − direct p50). */
  readonly addedP50: number;
}

const input = (): BootstrapWorkflowInput => ({ eventId: randomUUID(), organizationId: randomUUID(), payload: benchForm() });

export async function benchProxyOverhead(system: BenchSystem, options: { runs: number; calls: number; log: (line: string) => void }): Promise<ProxyOverheadResult> {
  const { env } = system.stack;
  const proxy = createTemporalClient({
    proxyUrl: env.TEMPORAL_PROXY_URL,
    proxyToken: env.TEMPORAL_PROXY_TOKEN,
    namespace: env.TEMPORAL_NAMESPACE,
    identity: "bench",
  });
  const viaProxy = async () => {
    const start = input();
    const meta = bootstrapStartMetadata(start, "edge");
    const result = await proxy.startWorkflow({
      workflowId: meta.workflowId,
      workflowType: BOOTSTRAP_WORKFLOW_TYPE,
      taskQueue: BOOTSTRAP_TASK_QUEUE,
      args: [start],
      requestId: start.eventId,
      memo: meta.memo,
      searchAttributes: meta.searchAttributes,
      staticSummary: meta.staticSummary,
    });
    if (result.status !== "started") throw new Error(`expected a new run, got ${result.status}`);
  };
  const direct = async () => {
    await system.temporal.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input(), "edge"));
  };

  options.log(`… proxy overhead: ${options.runs} runs × ${options.calls} starts each way, alternating`);
  for (let i = 0; i < 20; i += 1) {
    await viaProxy();
    await direct();
  }
  const proxyRuns: Summary[] = [];
  const directRuns: Summary[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < options.calls; i += 1) {
      let t = performance.now();
      await viaProxy();
      a.push(performance.now() - t);
      t = performance.now();
      await direct();
      b.push(performance.now() - t);
    }
    proxyRuns.push(summarize(a));
    directRuns.push(summarize(b));
  }
  const added = proxyRuns.map((p, i) => p.p50 - directRuns[i]!.p50).sort((x, y) => x - y);
  const result = { proxy: medianOfRuns(proxyRuns), direct: medianOfRuns(directRuns), addedP50: added[Math.floor((added.length - 1) / 2)]! };
  options.log(`  through the proxy p50 ${result.proxy.p50.toFixed(2)} ms, direct p50 ${result.direct.p50.toFixed(2)} ms, added ${result.addedP50.toFixed(2)} ms`);
  return result;
}
