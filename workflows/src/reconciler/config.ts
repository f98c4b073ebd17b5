import { z } from "zod";
import { parseDuration } from "./duration.ts";

/**
 * The reconciler's and the worker HTTP server's settings. Every one has a default that works with
 * `npm start`'s stack, so the worker's deployment needs none of them; each is validated with the rest
 * of the worker's environment (env.ts), one message listing every problem.
 */
export interface ReconcilerConfig {
  /** False runs the worker without Realtime, sweeps or canary (e.g. a second worker pool). */
  readonly enabled: boolean;
  /** How often the Temporal Schedule runs a sweep. */
  readonly intervalMs: number;
  /** The sweep leaves bootstraps younger than this to the edge function and Realtime. */
  readonly graceMs: number;
  /** One Schedule per deployment, whatever the number of replicas. */
  readonly scheduleId: string;
  /** Workflow starts (each with its workflow_started write) one replica keeps in flight. */
  readonly concurrency: number;
  readonly canary: { readonly enabled: boolean; readonly intervalMs: number; readonly timeoutMs: number };
  /** A provisioning organization whose row has not changed this long is checked for a closed run (stuck.ts). */
  readonly stuckAfterMs: number;
}

export interface WorkerHttpConfig {
  readonly host: string;
  /** 0 asks the OS for a free port (tests). */
  readonly port: number;
  /** False when WORKER_HTTP_PORT was left unset: a taken default port is then not fatal (see observability/server.ts). */
  readonly portExplicit: boolean;
}

export const DEFAULT_WORKER_HTTP_PORT = 54330;
export const DEFAULT_SCHEDULE_ID = "reconcile-bootstraps";
/** Measured by `npm run bench` (backlog drain): see docs/benchmarks.md. */
export const DEFAULT_RECONCILE_CONCURRENCY = 16;

const duration = (hint: string, minMs: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `not a duration: ${hint}` });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: "custom", message: `too short: at least ${minMs} ms (${hint})` });
      return z.NEVER;
    }
    return ms;
  });
const flag = (hint: string) =>
  z.enum(["true", "false", "1", "0", "yes", "no", "on", "off"], { error: `must be true or false: ${hint}` }).transform((v) => ["true", "1", "yes", "on"].includes(v));

const LOCAL_CANARY_INTERVAL_MS = 15_000;
const PRODUCTION_CANARY_INTERVAL_MS = 60_000;

const schema = z.object({
  RECONCILER_ENABLED: flag("false runs the worker without its reconciler").optional(),
  RECONCILE_INTERVAL: duration("how often the sweep runs, e.g. 30s", 1000).default(30_000),
  RECONCILE_GRACE: duration("how old a bootstrap must be before the sweep starts it, e.g. 10s (0s in tests)", 0).default(10_000),
  RECONCILE_CONCURRENCY: z.coerce.number({ error: "not a number: how many starts one replica keeps in flight, e.g. 32" })
    .int("a whole number, e.g. 32").min(1, "at least 1").max(256, "at most 256 (Temporal's frontend limits a namespace's rate anyway)").default(DEFAULT_RECONCILE_CONCURRENCY),
  RECONCILE_SCHEDULE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, "letters, digits, . _ - only (a Temporal Schedule id)").default(DEFAULT_SCHEDULE_ID),
  STUCK_AFTER: duration("how long a provisioning organization must be quiet before the worker checks whether its run closed, e.g. 2m (0s in tests)", 0).default(120_000),
  CANARY_ENABLED: flag("whether the worker checks Realtime with a canary event").optional(),
  CANARY_INTERVAL: duration("how often the canary is written, e.g. 60s", 200).optional(),
  CANARY_TIMEOUT: duration("how long a canary may take to come back over Realtime, e.g. 5s", 50).default(5_000),
  WORKER_HTTP_HOST: z.string().min(1).optional(),
  WORKER_HTTP_PORT: z.coerce.number({ error: "not a port number: e.g. 54330, or 0 for any free port" }).int().min(0).max(65535, "not a port number").optional(),
});

/** Every variable read here (for the deploy manifests' checks, like WORKER_ENV_NAMES in worker/env.ts). */
export const RECONCILER_ENV_NAMES: readonly string[] = Object.keys(schema.shape);

export type ReconcilerEnvResult =
  | { ok: true; reconciler: ReconcilerConfig; http: WorkerHttpConfig }
  | { ok: false; problems: string[] };

/**
 * Reads the settings from an environment whose empty values were already dropped. The canary is on
 * in both modes: silence is Realtime's known failure and nothing else notices it. Each canary is a
 * row in the append-only store, so production writes one a minute (1,440 a day per replica) where
 * local mode, whose stores are thrown away, writes one every 15 s. Local mode listens on loopback;
 * production on all interfaces, for the probes.
 */
export function parseReconcilerEnv(env: Record<string, string | undefined>, mode: "local" | "production"): ReconcilerEnvResult {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.map(String).join(".")}: ${issue.message}`) };
  }
  const e = parsed.data;
  const canaryIntervalMs = e.CANARY_INTERVAL ?? (mode === "local" ? LOCAL_CANARY_INTERVAL_MS : PRODUCTION_CANARY_INTERVAL_MS);
  if (e.CANARY_TIMEOUT >= canaryIntervalMs) {
    return { ok: false, problems: ["CANARY_TIMEOUT: must be shorter than CANARY_INTERVAL (one canary at a time)"] };
  }
  return {
    ok: true,
    reconciler: {
      enabled: e.RECONCILER_ENABLED ?? true,
      intervalMs: e.RECONCILE_INTERVAL,
      graceMs: e.RECONCILE_GRACE,
      scheduleId: e.RECONCILE_SCHEDULE_ID,
      concurrency: e.RECONCILE_CONCURRENCY,
      canary: { enabled: e.CANARY_ENABLED ?? true, intervalMs: canaryIntervalMs, timeoutMs: e.CANARY_TIMEOUT },
      stuckAfterMs: e.STUCK_AFTER,
    },
    http: {
      host: e.WORKER_HTTP_HOST ?? (mode === "local" ? "127.0.0.1" : "0.0.0.0"),
      port: e.WORKER_HTTP_PORT ?? DEFAULT_WORKER_HTTP_PORT,
      portExplicit: e.WORKER_HTTP_PORT !== undefined,
    },
  };
}
