import { EVENT_TYPES, ORGANIZATION_STREAM } from "../events/event-types.ts";
import { bootstrapInitiatedSchema, deactivationRequestedSchema } from "../events/payloads.ts";
import {
  BOOTSTRAP_TASK_QUEUE,
  BOOTSTRAP_WORKFLOW_ID_PREFIX,
  BOOTSTRAP_WORKFLOW_TYPE,
  DEACTIVATE_WORKFLOW_ID_PREFIX,
  DEACTIVATE_WORKFLOW_TYPE,
} from "../workflow-contract.ts";
import type { WorkflowTrigger } from "./workflow-trigger.ts";

/**
 * The product's triggers. Both run on the organization worker's task queue (named after its first
 * workflow): one worker, one queue, until a workflow needs other capacity or other secrets.
 */

/** `organization.bootstrap.initiated` → organizationBootstrapWorkflow, `org-bootstrap-{organizationId}`. */
export const organizationBootstrapTrigger: WorkflowTrigger = {
  name: "organization-bootstrap",
  streamType: ORGANIZATION_STREAM,
  eventType: EVENT_TYPES.bootstrapInitiated,
  startedEventType: EVENT_TYPES.bootstrapWorkflowStarted,
  eventData: bootstrapInitiatedSchema,
  workflowType: BOOTSTRAP_WORKFLOW_TYPE,
  taskQueue: BOOTSTRAP_TASK_QUEUE,
  workflowIdPrefix: BOOTSTRAP_WORKFLOW_ID_PREFIX,
  oneWorkflowPer: "stream",
  subjectKey: "organizationId",
  subjectSearchAttribute: "OrganizationId",
  summary: (organizationId) => `Bootstrap organization ${organizationId}`,
};

/** `organization.deactivation.requested` → organizationDeactivateWorkflow, `org-deactivate-{organizationId}`. */
export const organizationDeactivateTrigger: WorkflowTrigger = {
  name: "organization-deactivate",
  streamType: ORGANIZATION_STREAM,
  eventType: EVENT_TYPES.deactivationRequested,
  startedEventType: EVENT_TYPES.deactivationWorkflowStarted,
  eventData: deactivationRequestedSchema,
  workflowType: DEACTIVATE_WORKFLOW_TYPE,
  taskQueue: BOOTSTRAP_TASK_QUEUE,
  workflowIdPrefix: DEACTIVATE_WORKFLOW_ID_PREFIX,
  oneWorkflowPer: "stream",
  subjectKey: "organizationId",
  subjectSearchAttribute: "OrganizationId",
  summary: (organizationId) => `Deactivate organization ${organizationId}`,
};
