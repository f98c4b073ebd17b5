import { setTimeout as delay } from "node:timers/promises";

/** Closed-loop load: `concurrency` callers, each sending its next request as soon as the previous answered. */
export interface LoadResult {
  /** Milliseconds per successful call. */
  readonly latencies: number[];
  readonly errors: number;
  /** First few error messages, for the report. */
  readonly errorSamples: string[];
  readonly durationMs: number;
  /** Successful calls per second over the whole run. */
  readonly throughput: number;
}

/**
 * Stops sending once `maxRequests` were sent or `maxMs` has passed, whichever comes first; waits for
 * those in flight. With `pauseMs`, each caller waits that long after an answer before its next request
 * (not counted in the latency): the machine is quiet when each request starts.
 */
export async function closedLoop(
  concurrency: number,
  limits: { maxRequests: number; maxMs?: number; pauseMs?: number },
  call: (index: number) => Promise<void>,
): Promise<LoadResult> {
  const total = limits.maxRequests;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const began = performance.now();
  const caller = async () => {
    while (next < total && (limits.maxMs === undefined || performance.now() - began < limits.maxMs)) {
      const index = next++;
      const start = performance.now();
      try {
        await call(index);
        latencies.push(performance.now() - start);
      } catch (error) {
        errors += 1;
        if (errorSamples.length < 5) errorSamples.push(error instanceof Error ? error.message : String(error));
      }
      if (limits.pauseMs) await delay(limits.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, caller));
  const durationMs = performance.now() - began;
  return { latencies, errors, errorSamples, durationMs, throughput: (latencies.length / durationMs) * 1000 };
}
