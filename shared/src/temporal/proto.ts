/**
 * Temporal's protobuf definitions, loaded the one way that works on both runtimes.
 * `@temporalio/proto` is CommonJS over protobufjs: Deno only exposes it as a default import
 * (the named import `{ temporal }` fails there), and Node resolves the same default import
 * to `module.exports`. Loading it parses a ~1.4 MB JSON module (cold-start cost, measured
 * in the report of issue #4).
 */
import proto from "@temporalio/proto";

export const { temporal, google } = proto;

export const workflowservice = temporal.api.workflowservice.v1;
export const enums = temporal.api.enums.v1;

/** Fully-qualified gRPC service name: the first path segment of every call. */
export const WORKFLOW_SERVICE = "temporal.api.workflowservice.v1.WorkflowService";

/** The HTTP/2 `:path` of a WorkflowService method. */
export function workflowServicePath(method: string): string {
  return `/${WORKFLOW_SERVICE}/${method}`;
}
