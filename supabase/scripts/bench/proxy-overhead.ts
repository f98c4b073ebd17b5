/**
 * Benchmark 2: what the gRPC-web proxy adds to StartWorkflowExecution. The same start request, in
 * turn through the proxy and through a bare relay (lib/bare-relay.ts: the same hop and translation,
 * none of the checks), both sent as the edge function sends them (shared/src/temporal/client.ts over
 * Deno's fetch, from a Deno process: lib/deno-caller.ts), through the proxy again from this Node
 * process's fetch, and straight to Temporal with @temporalio/client; one call at a time.
 */
import { randomUUID } from "node:crypto";
import type { BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { bootstrapStartOptions } from "../../../workflows/src/worker/start-options.ts";
import { HOST } from "../../local/src/config.ts";
import { freePort } from "../../local/src/net.ts";
import { startNodeService } from "../../local/src/services/node-service.ts";
import { startDenoCaller } from "./lib/deno-caller-process.ts";
import { timedEdgeStart } from "./lib/edge-start.ts";
import { sampleInTurn } from "./lib/sampling.ts";
import { median, medianOfRuns, type Summary } from "./lib/stats.ts";
import { benchForm, type BenchSystem } from "./lib/system.ts";

export interface ProxyOverheadResult {
  /** Through the proxy from Deno's fetch, as the edge function calls it. */
  readonly proxy: Summary;
  /** The bare relay from Deno's fetch: any gRPC-web hop's cost, without the proxy's checks. */
  readonly relay: Summary;
  /** Through the proxy from Node's fetch (undici). */
  readonly proxyFromNode: Summary;
  readonly direct: Summary;
  /** Median over runs of (proxy p50 − direct p50). */
  readonly addedP50: number;
  /** Median over runs of (relay p50 − direct p50): the hop itself. */
  readonly hopP50: number;
  /** Median over runs of (proxy from Node p50 − direct p50). */
  readonly addedFromNodeP50: number;
}

const input = (): BootstrapStartIdentity => ({ eventId: randomUUID(), organizationId: randomUUID() });

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
  const deno = await startDenoCaller({
    targets: {
      proxy: { url: env.TEMPORAL_PROXY_URL, token: env.TEMPORAL_PROXY_TOKEN },
      relay: { url: `http://${HOST}:${relayPort}`, token: "unused" },
    },
    namespace: env.TEMPORAL_NAMESPACE,
  }).catch(async (error: unknown) => {
    await relayProcess.stop();
    throw error;
  });
  /**
   * Each path gets a fresh input, built before its timer starts (the Deno caller builds the start
   * request from it untimed too), and returns the duration of the start call alone, timed by the
   * process that makes the call.
   */
  const viaProxyFromDeno = (start: BootstrapStartIdentity) => deno.start("proxy", start);
  const viaRelayFromDeno = (start: BootstrapStartIdentity) => deno.start("relay", start);
  const viaProxyFromNode = (start: BootstrapStartIdentity) => timedEdgeStart(proxy, start);
  const direct = async (start: BootstrapStartIdentity) => {
    const request = bootstrapStartOptions(start, "edge");
    const t = performance.now();
    await system.temporal.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, request);
    return performance.now() - t;
  };

  options.log(`… proxy overhead: ${options.runs} runs × ${options.calls} starts each way (proxy and bare relay from Deno, proxy from Node, direct), in turn`);
  try {
    const paths = [viaProxyFromDeno, viaRelayFromDeno, viaProxyFromNode, direct];
    const runs = await sampleInTurn(paths.map((call) => () => call(input())), { runs: options.runs, calls: options.calls, warmup: 20 });
    const medianDifference = (a: Summary[], b: Summary[]) => median(a.map((x, i) => x.p50 - b[i]!.p50));
    const [proxyRuns, relayRuns, proxyNodeRuns, directRuns] = runs as [Summary[], Summary[], Summary[], Summary[]];
    const result: ProxyOverheadResult = {
      proxy: medianOfRuns(proxyRuns),
      relay: medianOfRuns(relayRuns),
      proxyFromNode: medianOfRuns(proxyNodeRuns),
      direct: medianOfRuns(directRuns),
      addedP50: medianDifference(proxyRuns, directRuns),
      hopP50: medianDifference(relayRuns, directRuns),
      addedFromNodeP50: medianDifference(proxyNodeRuns, directRuns),
    };
    options.log(`  p50 through the proxy from Deno ${result.proxy.p50.toFixed(2)} ms, bare relay from Deno ${result.relay.p50.toFixed(2)} ms, proxy from Node ${result.proxyFromNode.p50.toFixed(2)} ms, direct ${result.direct.p50.toFixed(2)} ms: added ${result.addedP50.toFixed(2)} ms (from Node ${result.addedFromNodeP50.toFixed(2)} ms), of which the hop ${result.hopP50.toFixed(2)} ms`);
    return result;
  } finally {
    await deno.stop();
    await relayProcess.stop();
  }
}
