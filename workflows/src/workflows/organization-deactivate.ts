import { log, proxyActivities, setCurrentDetails, sleep, upsertMemo, workflowInfo } from "@temporalio/workflow";
import type { BootstrapWorkflowInput } from "@org-bootstrap/shared/bootstrap-input.ts";
import { deactivateWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import type { BootstrapActivities } from "../activities/index.ts";
import type { BootstrapRef } from "../activities/types.ts";
import { readRecordedEvent } from "./recorded-event.ts";
import { organizationStart, startedByFromMemo } from "./start-identity.ts";
import { DEACTIVATION_STEP_RETRY } from "./step-retry.ts";

/** What the workflow returns once the organization is deactivated. */
export interface DeactivateWorkflowResult {
  readonly organizationId: string;
  readonly revokedInvitations: number;
  readonly dnsRecordRemoved: boolean;
}

/**
 * Every step is idempotent and undoes nothing when it fails, so a deactivation never gives up: its
 * steps retry without limit, and a non-retryable failure (a refused change) fails the run for a
 * person to look at.
 */
const steps = proxyActivities<BootstrapActivities>({ startToCloseTimeout: "1 minute", retry: DEACTIVATION_STEP_RETRY });

/** Between looks at a bootstrap that is still running: soon at first, then every 30 s (a bootstrap out of attempts runs ~15 min). */
export const BOOTSTRAP_WAITS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * Deactivates one organization, as its recorded `organization.deactivation.requested` event asks
 * (the start names only the organization): waits for its bootstrap run to close, revokes every open
 * invitation, removes its DNS record, and records `organization.deactivated`. The subdomain stays
 * reserved for it (see the organization_deactivation migration).
 */
export async function organizationDeactivateWorkflow(rawInput: BootstrapWorkflowInput): Promise<DeactivateWorkflowResult> {
  const info = workflowInfo();
  const { organizationId } = organizationStart(rawInput, deactivateWorkflowId);
  const startedBy = startedByFromMemo(info.memo);
  const begin = { organizationId, workflowId: info.workflowId, runId: info.runId, ...(startedBy ? { startedBy } : {}) };

  const recorded = await readRecordedEvent(`organization.deactivation.requested event of organization ${organizationId}`, () => steps.beginDeactivation(begin));
  upsertMemo({ reason: recorded.reason, subdomain: recorded.subdomain, eventId: recorded.eventId });
  const ref: BootstrapRef = { workflowId: info.workflowId, runId: info.runId, organizationId, eventId: recorded.eventId };

  // A bootstrap still at work would go on creating what this run removes: let it finish (or fail and compensate) first.
  for (let look = 0; await steps.bootstrapRunOpen(ref); look += 1) {
    setCurrentDetails("waiting for the bootstrap to finish");
    await sleep(BOOTSTRAP_WAITS_MS[Math.min(look, BOOTSTRAP_WAITS_MS.length - 1)]!);
  }

  setCurrentDetails("step: revokeOpenInvitations");
  const revokedInvitations = await steps.revokeOpenInvitations(ref);
  setCurrentDetails("step: removeSubdomain");
  const dnsRecordRemoved = await steps.removeSubdomain(ref, { subdomain: recorded.subdomain });
  setCurrentDetails("step: recordDeactivated");
  await steps.recordDeactivated(ref, { revokedInvitations, dnsRecordRemoved });
  setCurrentDetails("deactivated");
  log.info("organization deactivated", { organizationId, revokedInvitations, dnsRecordRemoved });
  return { organizationId, revokedInvitations, dnsRecordRemoved };
}
