/** Workflow execution status names as the Temporal CLI and Web UI show them ("RUNNING", …). */
import { enums } from "./proto.ts";

export type WorkflowStatus =
  | "UNSPECIFIED"
  | "RUNNING"
  | "COMPLETED"
  | "FAILED"
  | "CANCELED"
  | "TERMINATED"
  | "CONTINUED_AS_NEW"
  | "TIMED_OUT"
  | "PAUSED";

const PREFIX = "WORKFLOW_EXECUTION_STATUS_";

const BY_NUMBER = new Map<number, WorkflowStatus>(
  Object.entries(enums.WorkflowExecutionStatus).map(([name, value]) => [Number(value), name.slice(PREFIX.length) as WorkflowStatus]),
);

/** Status numbers from a newer server than this proto package knows read as UNSPECIFIED. */
export function workflowStatusName(value: number | null | undefined): WorkflowStatus {
  return BY_NUMBER.get(value ?? 0) ?? "UNSPECIFIED";
}
