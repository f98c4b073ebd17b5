import type { Client } from "@temporalio/client";
import type { Worker } from "@temporalio/worker";
import type { ReconcilerStatus } from "../reconciler/index.ts";
import type { ReadinessReport } from "./server.ts";

export interface ReadinessSources {
  /** Undefined while the worker is still starting (bundling, connecting). */
  readonly worker: () => { worker: Worker; client: Client } | undefined;
  readonly reconciler?: () => ReconcilerStatus;
  /** How long the Temporal check may take. */
  readonly timeoutMs?: number;
  /** A check result is reused this long, so frequent probes do not each cost a Temporal call. */
  readonly cacheMs?: number;
}

/**
 * Ready = Temporal answers (GetSystemInfo) and the worker polls (state RUNNING). A worker that
 * cannot reach Temporal keeps state RUNNING while its polls fail, hence the explicit call. A Realtime
 * outage is reported but never makes the worker unready: without it the sweep still starts every
 * workflow, and taking the pod out of service would not bring Realtime back. A subscription the
 * server refuses is different: it is a configuration the server will keep refusing (a filter the
 * role cannot read, private-only channels), so the worker is not ready until one is accepted, and a
 * rollout that brings it stops there.
 */
export function workerReadiness(sources: ReadinessSources): () => Promise<ReadinessReport> {
  const timeoutMs = sources.timeoutMs ?? 2_000;
  const cacheMs = sources.cacheMs ?? 1_000;
  let cached: { at: number; temporal: string } | undefined;

  const checkTemporal = async (client: Client): Promise<string> => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.temporal;
    let temporal: string;
    try {
      await client.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
      temporal = "connected";
    } catch (error) {
      temporal = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
    }
    cached = { at: Date.now(), temporal };
    return temporal;
  };

  return async () => {
    const running = sources.worker();
    const reconciler = sources.reconciler?.();
    if (!running) return { ready: false, body: { status: "starting", worker: "starting", ...(reconciler ? { reconciler } : {}) } };
    const workerState = running.worker.getState();
    const temporal = await checkTemporal(running.client);
    const refused = reconciler?.realtime?.refused;
    const ready = workerState === "RUNNING" && temporal === "connected" && refused === undefined;
    return {
      ready,
      body: {
        status: ready ? "ready" : "not_ready",
        worker: workerState,
        temporal,
        ...(refused !== undefined ? { realtime: `subscription refused by the server: ${refused}` } : {}),
        ...(reconciler ? { reconciler } : {}),
      },
    };
  };
}
