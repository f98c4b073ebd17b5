/**
 * Where the function's time goes: each call it makes on the way to its 200, timed alone against the
 * same stack — the REST emit of the initiated event (workflow_started is written after the answer),
 * from Deno with the function's own event store (lib/deno-caller.ts) and from Node's supabase-js —
 * and the floor's two calls. With the proxy's start from Deno (benchmark 2) these are the parts the
 * architecture requires, whatever the function itself does.
 */
import { randomUUID } from "node:crypto";
import { emitArgs, EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { bootstrapInputs, floorBootstrap, floorEmit } from "./lib/floor.ts";
import { startDenoCaller } from "./lib/deno-caller-process.ts";
import { createServiceClient } from "../../../workflows/src/worker/supabase-client.ts";
import { bootstrapStartOptions } from "../../../workflows/src/worker/start-options.ts";
import { sampleInTurn, timedCall } from "./lib/sampling.ts";
import { medianOfRuns, summarize, type Summary } from "./lib/stats.ts";
import { benchForm, ECHO_FUNCTION_NAME, type BenchSystem } from "./lib/system.ts";

export interface BreakdownResult {
  /** emit_domain_event through the REST API with supabase-js (service role) from Node's fetch. */
  readonly restEmit: Summary;
  /** The same emit as the function makes it: its event store, supabase-js over Deno's fetch, timed in Deno. */
  readonly restEmitFromDeno: Summary;
  /** The same emit with `pg` (the floor's first call). */
  readonly pgEmit: Summary;
  /**
   * The caller's way in and out, at most: the same supabase-js invoke as benchmark 1, with the same
   * form and token, of the local stack's echo function (supabase/functions/stack-check). An upper
   * bound: the gateway also checks its JWT (memoised) and the echo builds a small JSON answer.
   */
  readonly echoInvoke: Summary;
  /** StartWorkflowExecution with @temporalio/client (the floor's second call). */
  readonly sdkStart: Summary;
  /** The function's two calls chained in a bare Deno process (emit, then start through the proxy): no server, no way in. */
  readonly chainedFromDeno: Summary;
  /** The floor's two calls chained, as benchmark 1's floor makes them. */
  readonly floorChained: Summary;
  /** The function's own Server-Timing phases (auth, parse, record, start) and its end-to-end time, from raw fetch. */
  readonly inFunction: { readonly phases: Readonly<Record<string, Summary>>; readonly endToEnd: Summary };
}

/** `auth;dur=0.61, parse;dur=0.12` → { auth: 0.61, parse: 0.12 } */
export function parseServerTiming(header: string | null): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const part of (header ?? "").split(",")) {
    const match = /^\s*([\w-]+);dur=([\d.]+)\s*$/.exec(part);
    if (match) phases[match[1]!] = Number(match[2]);
  }
  return phases;
}

/** The function called as a browser would (fetch, one at a time), reading where its time went. */
async function inFunctionPhases(system: BenchSystem, runs: number, calls: number): Promise<BreakdownResult["inFunction"]> {
  const { env } = system.stack;
  const call = async () => {
    const began = performance.now();
    const response = await fetch(`${env.SUPABASE_URL}/functions/v1/organization-bootstrap`, {
      method: "POST",
      headers: { apikey: env.SUPABASE_ANON_KEY, authorization: `Bearer ${system.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(benchForm()),
    });
    await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    return { ms: performance.now() - began, phases: parseServerTiming(response.headers.get("server-timing")) };
  };
  for (let i = 0; i < 10; i += 1) await call();
  const perRun: Array<{ endToEnd: Summary; phases: Record<string, Summary> }> = [];
  for (let run = 0; run < runs; run += 1) {
    const samples: Array<Awaited<ReturnType<typeof call>>> = [];
    for (let i = 0; i < calls; i += 1) samples.push(await call());
    const names = [...new Set(samples.flatMap((s) => Object.keys(s.phases)))];
    perRun.push({
      endToEnd: summarize(samples.map((s) => s.ms)),
      phases: Object.fromEntries(names.map((name) => [name, summarize(samples.map((s) => s.phases[name] ?? 0))])),
    });
  }
  const names = Object.keys(perRun[0]?.phases ?? {});
  return {
    endToEnd: medianOfRuns(perRun.map((r) => r.endToEnd)),
    phases: Object.fromEntries(names.map((name) => [name, medianOfRuns(perRun.map((r) => r.phases[name]!))])),
  };
}

/** `calls` samples per run, after 10 to warm up; each sample is the duration `sample` reports. */
async function timedInside(runs: number, calls: number, sample: () => Promise<number>): Promise<Summary> {
  const [perRun] = await sampleInTurn([sample], { runs, calls, warmup: 10 });
  return medianOfRuns(perRun!);
}

export async function benchBreakdown(system: BenchSystem, options: { runs: number; calls: number; log: (line: string) => void }): Promise<BreakdownResult> {
  const { env } = system.stack;
  const { runs, calls } = options;
  const supabase = createServiceClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY);
  options.log(`… the function's calls one by one: ${runs} runs × ${calls} each`);
  const restEmit = await timedInside(runs, calls, timedCall(() => bootstrapInputs("bench-breakdown"), async (inputs) => {
    const { error } = await supabase.rpc("emit_domain_event", emitArgs(inputs.organizationId, EVENT_TYPES.bootstrapInitiated, inputs.form, inputs.metadata));
    if (error) throw new Error(error.message);
  }));
  const deno = await startDenoCaller({
    targets: { proxy: { url: env.TEMPORAL_PROXY_URL, token: env.TEMPORAL_PROXY_TOKEN } },
    namespace: env.TEMPORAL_NAMESPACE,
    supabase: { url: env.SUPABASE_URL, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY },
  });
  let restEmitFromDeno: Summary;
  let chainedFromDeno: Summary;
  let floorChained: Summary;
  try {
    restEmitFromDeno = await timedInside(runs, calls, () => deno.emit(bootstrapInputs("bench-breakdown")));
    [chainedFromDeno, floorChained] = (await sampleInTurn([
      () => deno.emitThenStart("proxy", bootstrapInputs("bench-breakdown")),
      timedCall(() => bootstrapInputs("bench-floor"), (inputs) => floorBootstrap(system, inputs)),
    ], { runs, calls, warmup: 10 })).map(medianOfRuns) as [Summary, Summary];
  } finally {
    await deno.stop();
  }
  const echoInvoke = await timedInside(runs, calls, timedCall(benchForm, async (form) => {
    const { status } = await system.invoke(form, { functionName: ECHO_FUNCTION_NAME });
    if (status !== 200) throw new Error(`${ECHO_FUNCTION_NAME} answered HTTP ${status}`);
  }));
  const pgEmit = await timedInside(runs, calls, timedCall(() => bootstrapInputs("bench-breakdown"), (inputs) => floorEmit(system.db, inputs)));
  const sdkStart = await timedInside(runs, calls, timedCall(
    () => bootstrapStartOptions({ eventId: randomUUID(), organizationId: randomUUID() }, "edge"),
    (start) => system.temporal.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, start),
  ));
  await supabase.removeAllChannels();
  options.log(`  REST emit p50 ${restEmitFromDeno.p50.toFixed(1)} ms from Deno (${restEmit.p50.toFixed(1)} ms from Node), echo function ${echoInvoke.p50.toFixed(1)} ms, pg emit p50 ${pgEmit.p50.toFixed(1)} ms, SDK start p50 ${sdkStart.p50.toFixed(1)} ms`);
  const inFunction = await inFunctionPhases(system, options.runs, options.calls);
  options.log(`  inside the function (Server-Timing): ${Object.entries(inFunction.phases).map(([name, s]) => `${name} ${s.p50.toFixed(1)} ms`).join(", ")}; end to end ${inFunction.endToEnd.p50.toFixed(1)} ms`);
  options.log(`  chained: the function's two calls from Deno ${chainedFromDeno.p50.toFixed(1)} ms, the floor's ${floorChained.p50.toFixed(1)} ms`);
  return { restEmit, restEmitFromDeno, echoInvoke, pgEmit, sdkStart, chainedFromDeno, floorChained, inFunction };
}
