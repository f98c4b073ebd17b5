import type { EventOrigin } from "./event-store.ts";
import type { BootstrapRef } from "./types.ts";

/**
 * The idempotency key of one step of one bootstrap: `${workflowId}:${step}`. The workflow id is
 * `org-bootstrap-{organizationId}` and never reused, so a key names one logical event for good.
 */
export function origin(ref: BootstrapRef, ...step: string[]): EventOrigin {
  return {
    idempotencyKey: [ref.workflowId, ...step].join(":"),
    correlationId: ref.workflowId,
    causationId: ref.eventId,
  };
}
