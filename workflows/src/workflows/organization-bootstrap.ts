import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from "@temporalio/workflow";
import type { BootstrapWorkflowInput, BootstrapWorkflowResult } from "@org-bootstrap/shared/bootstrap-input.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import type { BootstrapActivities } from "../activities/index.ts";
import type { BootstrapRef, PlannedInvitation, RetryOrigin } from "../activities/types.ts";
import { FailureType } from "./failure-types.ts";
import { readRecordedEvent } from "./recorded-event.ts";
import { organizationStart, startedByFromMemo } from "./start-identity.ts";
import { FORWARD_STEP_RETRY, UNDO_STEP_RETRY } from "./step-retry.ts";

/** How long an invitation link stays valid. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Forward steps retry transient failures for roughly a quarter of an hour, then the bootstrap fails and compensates. */
const steps = proxyActivities<BootstrapActivities>({ startToCloseTimeout: "1 minute", retry: FORWARD_STEP_RETRY });

/** Undo steps retry without limit (still stopping on a non-retryable failure): undo must finish. */
const undoSteps = proxyActivities<BootstrapActivities>({ startToCloseTimeout: "1 minute", retry: UNDO_STEP_RETRY });

/** What `bootstrap:retry` put in the memo of the run it started (attribution only, never business data). */
function retryOriginFromMemo(memo: Record<string, unknown> | undefined): RetryOrigin | undefined {
  const text = (key: string) => (typeof memo?.[key] === "string" && memo[key] !== "" ? (memo[key] as string) : undefined);
  const previousRunId = text("retryOfRunId");
  if (!previousRunId) return undefined;
  return {
    previousRunId,
    previousStatus: text("retryOfStatus") ?? "unknown",
    requestedBy: text("requestedBy") ?? "unknown",
    reason: text("reason") ?? "no reason given",
  };
}

/** One line for the event store and the Web UI: the root cause's type and message. */
function describeFailure(error: unknown): string {
  if (isCancellation(error)) return "the workflow was cancelled";
  if (error instanceof ActivityFailure && error.cause) return describeFailure(error.cause);
  if (error instanceof ApplicationFailure && error.type) return `${error.type}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

interface Compensation {
  readonly step: string;
  readonly run: () => Promise<void>;
}

/**
 * Bootstraps one organization: load the recorded request (the start names only the organization),
 * record the start, create the organization, provision its subdomain,
 * create and email its administrators' invitations, activate it. Each step is an activity that
 * writes its event with an idempotency key, so retries write once. A step that fails for good
 * (non-retryable, or out of attempts) records `organization.bootstrap.failed`, undoes the done steps
 * in reverse order (revoke invitations, remove DNS), records `organization.bootstrap.compensated`,
 * and fails the run with type OrganizationBootstrapFailed.
 */
export async function organizationBootstrapWorkflow(rawInput: BootstrapWorkflowInput): Promise<BootstrapWorkflowResult> {
  const info = workflowInfo();
  const { organizationId, eventId: eventIdHint } = organizationStart(rawInput, bootstrapWorkflowId);

  // Every business field comes from the store, never from the start: whoever sent the start.
  const startedBy = startedByFromMemo(info.memo);
  const retry = startedBy === "retry" ? retryOriginFromMemo(info.memo) : undefined;
  if (!startedBy) log.warn("no startedBy in the memo: the starter did not use bootstrapStartMetadata(); not recording the start");
  const begin = { organizationId, workflowId: info.workflowId, runId: info.runId, ...(startedBy ? { startedBy } : {}), ...(retry ? { retry } : {}) };
  const recorded = await readRecordedEvent(`organization.bootstrap.initiated event of organization ${organizationId}`, () => steps.beginBootstrap(begin));
  if (eventIdHint && eventIdHint !== recorded.eventId) {
    log.warn("the start named another event than the recorded one; carrying out the recorded one", { eventIdHint, eventId: recorded.eventId });
  }
  const { subdomain, name: organizationName } = recorded.request;
  upsertMemo({ organizationName, subdomain, eventId: recorded.eventId });
  upsertSearchAttributes({ Subdomain: [subdomain] });
  const ref: BootstrapRef = { workflowId: info.workflowId, runId: info.runId, organizationId, eventId: recorded.eventId };
  const undo: Compensation[] = [];
  let currentStep = "start";
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    currentStep = name;
    setCurrentDetails(`step: ${name}`);
    return run();
  };

  try {
    await step("createOrganization", () => steps.createOrganization(ref));

    // Registered before the call: the record may exist even if the activity fails after creating it.
    undo.push({ step: "removeSubdomain", run: async () => void (await undoSteps.removeSubdomain(ref, { subdomain })) });
    const record = await step("provisionSubdomain", () => steps.provisionSubdomain(ref, { subdomain }));
    upsertMemo({ dnsName: record.name });

    // Ids and expiry are decided here, in history, so every retry of every activity agrees on them.
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS).toISOString();
    // A retried run continues the earlier one: an administrator it already invited keeps that invitation.
    const open = startedBy === "retry" ? await step("openInvitations", () => steps.openInvitations(ref)) : [];
    const planned: PlannedInvitation[] = recorded.request.admins.map((admin) => {
      const earlier = open.find((invitation) => invitation.email === admin.email);
      return {
        invitationId: earlier?.invitationId ?? uuid4(),
        email: admin.email,
        firstName: admin.firstName,
        lastName: admin.lastName,
        expiresAt: earlier?.expiresAt ?? expiresAt,
      };
    });
    undo.push({ step: "revokeInvitations", run: () => undoSteps.revokeInvitations(ref, planned) });
    await step("createInvitations", () => steps.createInvitations(ref, planned));

    // All emails in parallel, but wait for every one: compensating while a send is still running
    // could revoke an invitation and then watch its email go out.
    const sends = await step("sendInvitationEmail", () =>
      Promise.allSettled(planned.map((invitation) => steps.sendInvitationEmail(ref, { invitation, organizationName }))));
    const firstFailure = sends.find((result) => result.status === "rejected");
    if (firstFailure) throw firstFailure.reason;

    await step("activateOrganization", () => steps.activateOrganization(ref));
    setCurrentDetails("active");
    // The worker's line for every bootstrap (the SDK adds workflowId and runId), even one the edge started.
    log.info("organization bootstrapped", { eventId: recorded.eventId, organizationId, invitations: planned.length });
    return { organizationId, subdomain, dnsName: record.name, invitations: planned.length };
  } catch (error) {
    const reason = describeFailure(error);
    const failedStep = currentStep;
    log.error("bootstrap failed; compensating", { eventId: recorded.eventId, failedStep, reason });
    const outcome = await CancellationScope.nonCancellable(() => compensate(ref, undo, { reason, failedStep }));
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.create({
      type: FailureType.BootstrapFailed,
      message: `bootstrap of "${organizationName}" failed at ${failedStep}: ${reason}${outcome.undoFailures.length > 0 ? ` (undo incomplete: ${outcome.undoFailures.join("; ")})` : ""}`,
      nonRetryable: true,
      details: [{ reason, failedStep, compensatedSteps: outcome.compensatedSteps }],
      ...(error instanceof Error ? { cause: error } : {}),
    });
  }
}

/**
 * Records the failure, then undoes in reverse order. An undo step that fails for good does not stop
 * the others; if any did, `compensated` is not recorded, so the subdomain stays claimed until a person
 * has looked (releasing it would let another organization take a name whose DNS may still point here).
 */
async function compensate(
  ref: BootstrapRef,
  undo: readonly Compensation[],
  failure: { reason: string; failedStep: string },
): Promise<{ compensatedSteps: string[]; undoFailures: string[] }> {
  setCurrentDetails(`compensating after ${failure.failedStep} failed`);
  await undoSteps.recordBootstrapFailed(ref, failure);
  const compensatedSteps: string[] = [];
  const undoFailures: string[] = [];
  for (const { step, run } of [...undo].reverse()) {
    try {
      await run();
      compensatedSteps.push(step);
    } catch (error) {
      undoFailures.push(`${step}: ${describeFailure(error)}`);
    }
  }
  if (undoFailures.length === 0) await undoSteps.recordBootstrapCompensated(ref, { compensatedSteps });
  setCurrentDetails(undoFailures.length === 0 ? "failed; compensated" : "failed; compensation incomplete");
  return { compensatedSteps, undoFailures };
}
