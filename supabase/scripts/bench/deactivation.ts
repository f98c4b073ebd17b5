/**
 * Benchmark 1b: the second trigger's request → workflow started, one caller, through the real path
 * (supabase-js → gateway → organization-deactivate → PostgREST emit → proxy → Temporal) against its
 * floor measured in the same run: the same organization.deactivation.requested emit with `pg` and the
 * same StartWorkflowExecution with @temporalio/client. Each request deactivates an organization
 * recorded (not started) beforehand, outside the timed part.
 */
import { randomUUID } from "node:crypto";
import { DEACTIVATE_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { organizationDeactivateTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { triggerStartOptions } from "../../../workflows/src/worker/start-options.ts";
import { bootstrapInputs, floorEmit } from "./lib/floor.ts";
import { closedLoop, type LoadResult } from "./lib/load.ts";
import { median, medianOfRuns, summarize, type Summary } from "./lib/stats.ts";
import type { BenchSystem } from "./lib/system.ts";

export const DEACTIVATE_FUNCTION_NAME = "organization-deactivate";

export interface DeactivationResult {
  readonly requests: number;
  readonly fn: Summary;
  readonly floor: Summary;
  readonly fnErrors: number;
  readonly floorErrors: number;
  readonly fnThroughput: number;
  readonly errorSamples: readonly string[];
}

/** `count` organizations whose bootstrap is recorded (provisioning): each may be deactivated once. */
async function organizations(system: BenchSystem, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const inputs = bootstrapInputs("bench-deactivation-target");
    await floorEmit(system.db, inputs);
    ids.push(inputs.organizationId);
  }
  return ids;
}

function viaFunction(system: BenchSystem, targets: string[]) {
  return async () => {
    const organizationId = targets.pop()!;
    const { status, body } = await system.invoke({ organizationId, reason: "benchmark" }, { functionName: DEACTIVATE_FUNCTION_NAME });
    if (status !== 200 || body.status !== "started") throw new Error(`HTTP ${status} ${JSON.stringify(body).slice(0, 200)}`);
  };
}

function viaFloor(system: BenchSystem, targets: string[]) {
  return async () => {
    const organizationId = targets.pop()!;
    const { rows } = await system.db.query<{ id: string }>(
      `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'organization',
         p_event_type => 'organization.deactivation.requested', p_event_data => $2, p_event_metadata => $3) as id`,
      [organizationId, { reason: "benchmark" }, { correlation_id: randomUUID(), actor_user_id: randomUUID(), source: "bench-floor" }],
    );
    await system.temporal.workflow.start(
      DEACTIVATE_WORKFLOW_TYPE,
      triggerStartOptions(organizationDeactivateTrigger, { streamId: organizationId, eventId: rows[0]!.id }, "edge"),
    );
  };
}

export async function benchDeactivation(system: BenchSystem, options: { runs: number; requests: number; log: (line: string) => void }): Promise<DeactivationResult> {
  const { runs, requests, log } = options;
  log(`… recording ${(runs + 1) * requests * 2} organizations to deactivate (not timed)`);
  const fnTargets = await organizations(system, (runs + 1) * requests);
  const floorTargets = await organizations(system, (runs + 1) * requests);
  log("… warming up the function (first request boots it) and the floor");
  await closedLoop(1, { maxRequests: requests }, viaFunction(system, fnTargets));
  await closedLoop(1, { maxRequests: requests }, viaFloor(system, floorTargets));
  const fnRuns: LoadResult[] = [];
  const floorRuns: LoadResult[] = [];
  for (let run = 0; run < runs; run += 1) {
    fnRuns.push(await closedLoop(1, { maxRequests: requests }, viaFunction(system, fnTargets)));
    floorRuns.push(await closedLoop(1, { maxRequests: requests }, viaFloor(system, floorTargets)));
  }
  const result: DeactivationResult = {
    requests,
    fn: medianOfRuns(fnRuns.map((r) => summarize(r.latencies))),
    floor: medianOfRuns(floorRuns.map((r) => summarize(r.latencies))),
    fnErrors: fnRuns.reduce((sum, r) => sum + r.errors, 0),
    floorErrors: floorRuns.reduce((sum, r) => sum + r.errors, 0),
    fnThroughput: median(fnRuns.map((r) => r.throughput)),
    errorSamples: [...fnRuns, ...floorRuns].flatMap((r) => r.errorSamples).slice(0, 5),
  };
  log(`  function p50 ${result.fn.p50.toFixed(1)} ms, floor p50 ${result.floor.p50.toFixed(1)} ms, ${result.fnErrors} errors, floor ${result.floorErrors}`);
  return result;
}
