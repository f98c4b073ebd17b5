/**
 * How big the reliability suite runs: `CHAOS_SCALE=full` (`npm run test:chaos`) or `ci` (the
 * default, inside `npm test`, a few minutes on 2 cores). Same scenarios, same checks; only the
 * number of bootstraps, hostile inputs and the length of the faults change.
 */
export type ChaosScale = "ci" | "full";

export interface ChaosSizes {
  readonly scale: ChaosScale;
  /** Bootstraps in the stream each fault scenario runs during. */
  readonly bootstrapsPerScenario: number;
  /** Callers sending the stream at once. */
  readonly streamConcurrency: number;
  /** Generated hostile bodies sent to the function. */
  readonly hostileBodies: number;
  /** Requests in the one-caller flood. */
  readonly floodRequests: number;
  /** How long the worker stays SIGSTOPped: past the 10 s workflow task timeout (and, full size, the 25 s Realtime heartbeat). */
  readonly pauseMs: number;
  /** How long Temporal or Postgres stays down. */
  readonly outageMs: number;
  /** Whether the overlapping-faults scenario includes the slow-healing ones (worker kill and pause, Temporal restart). */
  readonly mixed: boolean;
}

export function chaosSizes(env: NodeJS.ProcessEnv = process.env): ChaosSizes {
  const raw = env.CHAOS_SCALE ?? "ci";
  if (raw !== "ci" && raw !== "full") throw new Error(`CHAOS_SCALE must be ci or full, not "${raw}"`);
  return raw === "full"
    ? { scale: "full", bootstrapsPerScenario: 200, streamConcurrency: 8, hostileBodies: 2_000, floodRequests: 1_000, pauseMs: 35_000, outageMs: 8_000, mixed: true }
    : { scale: "ci", bootstrapsPerScenario: 30, streamConcurrency: 4, hostileBodies: 300, floodRequests: 200, pauseMs: 12_000, outageMs: 3_000, mixed: false };
}
