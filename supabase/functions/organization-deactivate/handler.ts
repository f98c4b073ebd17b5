import { deactivationRequestSchema } from "@org-bootstrap/shared/deactivation-request.ts";
import { organizationDeactivateTrigger, workflowStart } from "@org-bootstrap/shared/triggers/index.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { adminEndpoint, idempotencyKeyOf } from "../_shared/admin-endpoint.ts";
import type { Caller, TokenVerifier } from "../_shared/auth.ts";
import { answerStatus, outcomeLogFields, startDirectly, type ServeInfo } from "../_shared/direct-start.ts";
import { workflowUrl } from "../_shared/function-config.ts";
import { type ServerTiming, UserError, json, readJsonBody } from "../_shared/http.ts";
import { sha256Hex } from "../_shared/identity.ts";
import type { Log } from "../_shared/log.ts";
import { RateLimiter } from "../_shared/rate-limit.ts";
import type { DeactivateConfig } from "./config.ts";
import type { DeactivateEventStore, DeactivationRefusal } from "./event-store.ts";

/** A deactivation request is two short fields: anything near this is not one. */
export const MAX_BODY_BYTES = 4 * 1024;

export interface DeactivateDeps {
  readonly config: DeactivateConfig;
  readonly verifyToken: TokenVerifier;
  readonly store: DeactivateEventStore;
  readonly temporal: TemporalClient;
  readonly log: Log;
}

/** The response: 200 `started`, or 202 `queued` when the workflow will be started by the reconciler. */
export interface DeactivateResponse {
  readonly organizationId: string;
  readonly workflowId: string;
  readonly eventId: string;
  readonly status: "started" | "queued";
  readonly workflowUrl?: string;
}

function refusal(reason: DeactivationRefusal, organizationId: string): UserError {
  switch (reason) {
    case "not_found":
      return new UserError(404, "not_found", "no organization has this id");
    case "organization_not_active":
      return new UserError(409, "organization_not_active", "the organization failed or is deactivated: there is nothing to deactivate", { organizationId });
    case "deactivation_in_progress":
      return new UserError(409, "deactivation_in_progress", "a deactivation of this organization was already requested: follow organizations_projection", { organizationId });
    case "idempotency_key_reused":
      return new UserError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request: use a new key");
  }
}

/**
 * `organization-deactivate`: a plain `(Request) => Promise<Response>`, testable without a server.
 *   POST { organizationId, reason }: record organization.deactivation.requested, then start
 *        org-deactivate-{organizationId} within the budget (the reconciler starts it otherwise).
 * Platform admins only; an Idempotency-Key makes a retried request answer as the first did.
 */
export function createDeactivateHandler(deps: DeactivateDeps): (request: Request, info?: ServeInfo) => Promise<Response> {
  const { config, log } = deps;
  const limiter = new RateLimiter(config.DEACTIVATE_RATE_BURST, config.DEACTIVATE_RATE_PER_MINUTE);

  async function post(request: Request, info: ServeInfo | undefined, caller: Caller, requestId: string, timing: ServerTiming): Promise<Response> {
    const rate = limiter.take(caller.userId);
    if (!rate.ok) {
      throw new UserError(429, "rate_limited", "too many deactivation requests: retry later", { retryAfterSeconds: rate.retryAfterSeconds });
    }
    const idempotencyKey = idempotencyKeyOf(request);
    const { organizationId, reason } = await readJsonBody(request, deactivationRequestSchema, MAX_BODY_BYTES, "the request");
    timing.mark("parse");

    // One write, also for a replay: the same key on the same stream returns the recorded event when
    // the request is the same, and is refused for another one (PT422), under the stream's lock.
    const emitted = await deps.store.emitRequested(organizationId, reason, {
      // Per caller: another admin's same key is another request (and then one of the two is refused 409).
      ...(idempotencyKey ? { idempotency_key: `deactivate:${await sha256Hex(`${caller.userId}:${idempotencyKey}`)}` } : {}),
      correlation_id: requestId,
      actor_user_id: caller.userId,
      source: "edge",
      request_hash: await sha256Hex(JSON.stringify({ organizationId, reason })),
    });
    if (!emitted.ok) throw refusal(emitted.reason, organizationId);
    const { eventId } = emitted;
    timing.mark("record");
    const ref = { streamId: organizationId, eventId };
    const start = workflowStart(organizationDeactivateTrigger, ref, "edge");
    log.info("deactivation recorded", { requestId, eventId, workflowId: start.workflowId, trigger: organizationDeactivateTrigger.name, organizationId });

    const outcome = await startDirectly({
      temporal: deps.temporal,
      log,
      start,
      eventId,
      requestId,
      budgetMs: config.DEACTIVATE_START_BUDGET_MS,
      info,
      record: (runId) => deps.store.emitWorkflowStarted(ref, { workflowId: start.workflowId, runId, startedBy: "edge" }, requestId),
    });
    const status = answerStatus(outcome);
    timing.mark("start");
    const url = workflowUrl(config, start.workflowId);
    const response: DeactivateResponse = { organizationId, workflowId: start.workflowId, eventId, status, ...(url ? { workflowUrl: url } : {}) };
    log.info(`deactivation ${status}`, { requestId, eventId, workflowId: start.workflowId, trigger: organizationDeactivateTrigger.name, ...outcomeLogFields(outcome), organizationId });
    return json(status === "started" ? 200 : 202, response, { "x-request-id": requestId, ...timing.header() });
  }

  return adminEndpoint(
    { what: "deactivation", methods: ["POST"], methodHint: "use POST with { organizationId, reason }", adminRole: config.DEACTIVATE_ADMIN_ROLE, verifyToken: deps.verifyToken, log },
    ({ request, info, caller, requestId, timing }) => post(request, info, caller, requestId, timing),
  );
}
