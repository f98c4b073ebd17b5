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
 * cannot reach Temporal keeps state RUNNING while its polls fail, hence the explicit call. Realtime
 * is reported but never makes the worker unready: without it the sweep still starts every workflow,
 * and taking the pod out of service would not bring Realtime back.
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
    const ready = workerState === "RUNNING" && temporal === "connected";
    return {
      ready,
      body: { status: ready ? "ready" : "not_ready", worker: workerState, temporal, ...(reconciler ? { reconciler } : {}) },
    };
  };
}
