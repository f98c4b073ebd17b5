import { organizationBootstrapTrigger, organizationDeactivateTrigger } from "./organization-triggers.ts";
import type { WorkflowTrigger } from "./workflow-trigger.ts";

/**
 * Every trigger the product declares. The SQL registry (private.workflow_triggers, filled by
 * migration) must hold exactly these event types; supabase/tests checks that the two agree.
 */
export const WORKFLOW_TRIGGERS: readonly WorkflowTrigger[] = [organizationBootstrapTrigger, organizationDeactivateTrigger];

/** Looks triggers up by what a row or a start request names. */
export interface TriggerIndex {
  readonly all: readonly WorkflowTrigger[];
  byEventType(eventType: string): WorkflowTrigger | undefined;
  byWorkflowType(workflowType: string): WorkflowTrigger | undefined;
  byWorkflowId(workflowId: string): WorkflowTrigger | undefined;
}

/** Refuses a set in which two triggers share an event type, workflow type or id prefix: one event, one workflow. */
export function triggerIndex(triggers: readonly WorkflowTrigger[] = WORKFLOW_TRIGGERS): TriggerIndex {
  const problems: string[] = [];
  const unique = (what: string, key: (t: WorkflowTrigger) => string) => {
    const seen = new Map<string, string>();
    for (const trigger of triggers) {
      const value = key(trigger);
      const other = seen.get(value);
      if (other) problems.push(`${other} and ${trigger.name} share the ${what} ${value}`);
      seen.set(value, trigger.name);
    }
    return seen;
  };
  unique("name", (t) => t.name);
  unique("event type", (t) => t.eventType);
  unique("started event type", (t) => t.startedEventType);
  unique("workflow type", (t) => t.workflowType);
  for (const a of triggers) {
    for (const b of triggers) {
      if (a !== b && b.workflowIdPrefix.startsWith(a.workflowIdPrefix)) problems.push(`the workflow id prefix of ${b.name} starts with ${a.name}'s`);
    }
  }
  if (problems.length > 0) throw new Error(`workflow triggers conflict: ${problems.join("; ")}`);
  const byEvent = new Map(triggers.map((t) => [t.eventType, t]));
  const byType = new Map(triggers.map((t) => [t.workflowType, t]));
  return {
    all: triggers,
    byEventType: (eventType) => byEvent.get(eventType),
    byWorkflowType: (workflowType) => byType.get(workflowType),
    byWorkflowId: (workflowId) => triggers.find((t) => workflowId.startsWith(t.workflowIdPrefix)),
  };
}
