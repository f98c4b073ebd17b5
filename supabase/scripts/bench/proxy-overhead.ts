/**
 * Benchmark 2: what the gRPC-web proxy adds to StartWorkflowExecution. The same start request, in
 * turn through the proxy (shared/src/temporal/client.ts: gRPC-web over fetch, what the edge function
 * uses), through a bare relay (lib/bare-relay.ts: the same hop and translation, none of the checks)
 * and straight to Temporal with @temporalio/client, one at a time from this process.
 */
import { randomUUID } from "node:crypto";
import { bootstrapWorkflowStart, type BootstrapWorkflowInput } from "@org-bootstrap/shared/bootstrap-input.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { bootstrapStartOptions } from "../../../workflows/src/worker/start-options.ts";
import { HOST } from "../../local/src/config.ts";
import { freePort } from "../../local/src/net.ts";
import { startNodeService } from "../../local/src/services/node-service.ts";
import { medianOfRuns, summarize, type Summary } from "./lib/stats.ts";
import { benchForm, type BenchSystem } from "./lib/system.ts";

export interface ProxyOverheadResult {
  readonly proxy: Summary;
  /** The bare relay: any gRPC-web hop's cost, without the proxy's checks. */
  readonly relay: Summary;
  readonly direct: Summary;
  /** Median over runs of (proxy p50 − direct p50). */
  readonly addedP50: number;
  /** Median over runs of (relay p50 − direct p50): the hop itself. */
  readonly hopP50: number;
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
  const relayPort = await freePort();
  const relayProcess = await startNodeService({
    name: "bench-relay",
    entry: "supabase/scripts/bench/lib/bare-relay.ts",
    dataDir: system.dataDir,
    env: { TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE, RELAY_PORT: String(relayPort) },
    ready: (log) => log.includes("relay listening"),
  });
  const relay = createTemporalClient({
    proxyUrl: `http://${HOST}:${relayPort}`,
    proxyToken: "unused",
    namespace: env.TEMPORAL_NAMESPACE,
    identity: "bench",
  });
  const through = (client: typeof proxy) => async () => {
    const start = input();
    // The function's own request: the shared builder, with the event id as requestId.
    const result = await client.startWorkflow({ ...bootstrapWorkflowStart(start, "edge"), requestId: start.eventId });
    if (result.status !== "started") throw new Error(`expected a new run, got ${result.status}`);
  };
  const viaProxy = through(proxy);
  const viaRelay = through(relay);
  const direct = async () => {
    await system.temporal.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input(), "edge"));
  };

  options.log(`… proxy overhead: ${options.runs} runs × ${options.calls} starts each way (proxy, bare relay, direct), in turn`);
  try {
    for (let i = 0; i < 20; i += 1) {
      await viaProxy();
      await viaRelay();
      await direct();
    }
    const paths = [viaProxy, viaRelay, direct];
    const runs: Summary[][] = [[], [], []];
    for (let run = 0; run < options.runs; run += 1) {
      const samples: number[][] = [[], [], []];
      for (let i = 0; i < options.calls; i += 1) {
        for (const [index, call] of paths.entries()) {
          const t = performance.now();
          await call();
          samples[index]!.push(performance.now() - t);
        }
      }
      samples.forEach((s, index) => runs[index]!.push(summarize(s)));
    }
    const medianDifference = (a: Summary[], b: Summary[]) => {
      const differences = a.map((x, i) => x.p50 - b[i]!.p50).sort((x, y) => x - y);
      return differences[Math.floor((differences.length - 1) / 2)]!;
    };
    const [proxyRuns, relayRuns, directRuns] = runs as [Summary[], Summary[], Summary[]];
    const result: ProxyOverheadResult = {
      proxy: medianOfRuns(proxyRuns),
      relay: medianOfRuns(relayRuns),
      direct: medianOfRuns(directRuns),
      addedP50: medianDifference(proxyRuns, directRuns),
      hopP50: medianDifference(relayRuns, directRuns),
    };
    options.log(`  through the proxy p50 ${result.proxy.p50.toFixed(2)} ms, bare relay ${result.relay.p50.toFixed(2)} ms, direct ${result.direct.p50.toFixed(2)} ms: added ${result.addedP50.toFixed(2)} ms, of which the hop ${result.hopP50.toFixed(2)} ms`);
    return result;
  } finally {
    await relayProcess.stop();
  }
}
