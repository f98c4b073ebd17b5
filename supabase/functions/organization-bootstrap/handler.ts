import { bootstrapRequestSchema } from "@org-bootstrap/shared/bootstrap-request.ts";
import { bootstrapWorkflowStart, type BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { organizationBootstrapTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { adminEndpoint, idempotencyKeyOf } from "../_shared/admin-endpoint.ts";
import type { Caller, TokenVerifier } from "../_shared/auth.ts";
import type { BootstrapConfig } from "./config.ts";
import { answerStatus, outcomeLogFields, startDirectly, type DirectStartOutcome, type ServeInfo } from "../_shared/direct-start.ts";
import { workflowUrl } from "../_shared/function-config.ts";
import type { BootstrapEventStore } from "./event-store.ts";
import { type ServerTiming, UserError, json, readJsonBody } from "../_shared/http.ts";
import { sha256Hex, uuidV5 } from "../_shared/identity.ts";
import type { Log } from "../_shared/log.ts";
import { RateLimiter } from "../_shared/rate-limit.ts";
import { readBootstrapStatus, type StatusReader } from "./status.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export interface BootstrapDeps {
  readonly config: BootstrapConfig;
  readonly verifyToken: TokenVerifier;
  readonly store: BootstrapEventStore;
  readonly temporal: TemporalClient;
  readonly statusReader: StatusReader;
  readonly log: Log;
}

/** The response of a bootstrap request: 200 `started`, or 202 `queued` when the workflow will be started by the reconciler. */
export interface BootstrapResponse {
  readonly organizationId: string;
  readonly workflowId: string;
  readonly eventId: string;
  readonly status: "started" | "queued";
  readonly workflowUrl?: string;
}

/**
 * `organization-bootstrap`: a plain `(Request) => Promise<Response>`, testable without a server.
 *   POST  record organization.bootstrap.initiated, then start org-bootstrap-{id} within the budget
 *   GET   ?organizationId=… the bootstrap's status for the frontend to poll
 */
export function createBootstrapHandler(deps: BootstrapDeps): (request: Request, info?: ServeInfo) => Promise<Response> {
  const { config, log } = deps;
  const limiter = new RateLimiter(config.BOOTSTRAP_RATE_BURST, config.BOOTSTRAP_RATE_PER_MINUTE);
  // Status reads have a bucket of their own: a polling frontend never uses up its caller's bootstraps.
  const statusLimiter = new RateLimiter(config.BOOTSTRAP_STATUS_RATE_BURST, config.BOOTSTRAP_STATUS_RATE_PER_MINUTE);

  function startWorkflow(input: BootstrapStartIdentity, requestId: string, info: ServeInfo | undefined): Promise<DirectStartOutcome> {
    const start = bootstrapWorkflowStart(input, "edge");
    return startDirectly({
      temporal: deps.temporal,
      log,
      start,
      eventId: input.eventId,
      requestId,
      budgetMs: config.BOOTSTRAP_START_BUDGET_MS,
      info,
      record: (runId) => deps.store.emitWorkflowStarted(
        input.organizationId,
        { workflowId: start.workflowId, runId, startedBy: "edge" },
        { idempotency_key: `${start.workflowId}:workflow_started`, correlation_id: requestId, causation_id: input.eventId, source: "edge" },
      ),
    });
  }

  async function post(request: Request, info: ServeInfo | undefined, caller: Caller, requestId: string, timing: ServerTiming): Promise<Response> {
    const rate = limiter.take(caller.userId);
    if (!rate.ok) {
      throw new UserError(429, "rate_limited", "too many bootstrap requests: retry later", { retryAfterSeconds: rate.retryAfterSeconds });
    }
    const idempotencyKey = idempotencyKeyOf(request);
    const form = await readJsonBody(request, bootstrapRequestSchema, MAX_BODY_BYTES, "the form");
    timing.mark("parse");
    const requestHash = await sha256Hex(JSON.stringify(form));
    const organizationId = idempotencyKey ? await uuidV5(`${caller.userId}:${idempotencyKey}`) : crypto.randomUUID();
    const workflowId = bootstrapWorkflowId(organizationId);

    const keyReused = () => new UserError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different form: use a new key");

    // One write, also for a replay: with the same key (the same stream) the store returns the recorded
    // event's id when its request_hash is this form's, and refuses a different form even in a race
    // (emit_domain_event holds the stream's lock), so exactly one form is ever recorded and answered.
    const emitted = await deps.store.emitInitiated(organizationId, form, {
      // A digest of the key, not the key: every key the API accepts (up to 200 characters) fits the
      // store's 200. The stream already belongs to this caller and key (organizationId above).
      ...(idempotencyKey ? { idempotency_key: `bootstrap:${await sha256Hex(idempotencyKey)}` } : {}),
      correlation_id: requestId,
      actor_user_id: caller.userId,
      source: "edge",
      request_hash: requestHash,
    });
    let eventId: string;
    if (emitted.ok) eventId = emitted.eventId;
    else if (emitted.reason === "idempotency_key_reused") throw keyReused();
    else {
      // Taken: another organization holds the subdomain, or this stream already holds its initiated
      // event under another idempotency key (one stored before keys were digests): then it is a replay.
      const previous = idempotencyKey ? await deps.store.findInitiated(organizationId) : undefined;
      if (previous && previous.requestHash !== requestHash) throw keyReused();
      if (!previous) {
        const existing = await deps.store.findOrganizationIdBySubdomain(form.subdomain);
        throw new UserError(409, "subdomain_taken", `the subdomain "${form.subdomain}" is taken`, existing ? { organizationId: existing } : {});
      }
      eventId = previous.eventId;
    }
    timing.mark("record");
    log.info("bootstrap recorded", { requestId, eventId, workflowId, trigger: organizationBootstrapTrigger.name, organizationId });

    const outcome = await startWorkflow({ eventId, organizationId }, requestId, info);
    const status = answerStatus(outcome);
    timing.mark("start");
    const url = workflowUrl(config, workflowId);
    const response: BootstrapResponse = { organizationId, workflowId, eventId, status, ...(url ? { workflowUrl: url } : {}) };
    log.info(`bootstrap ${status}`, { requestId, eventId, workflowId, trigger: organizationBootstrapTrigger.name, ...outcomeLogFields(outcome), organizationId });
    return json(status === "started" ? 200 : 202, response, { "x-request-id": requestId, ...timing.header() });
  }

  async function get(url: URL, caller: Caller, requestId: string): Promise<Response> {
    const rate = statusLimiter.take(caller.userId);
    if (!rate.ok) {
      throw new UserError(429, "rate_limited", "too many status requests: poll less often, or follow the projections over Realtime", { retryAfterSeconds: rate.retryAfterSeconds });
    }
    // Ids are stored lower-case; an upper-case one is the same organization (UUIDs ignore case).
    const organizationId = (url.searchParams.get("organizationId") ?? "").toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(organizationId)) {
      throw new UserError(400, "invalid_query", "pass ?organizationId=<uuid>");
    }
    const status = await readBootstrapStatus(deps.statusReader, deps.temporal, organizationId, config.BOOTSTRAP_START_BUDGET_MS, requestId);
    if (!status) throw new UserError(404, "not_found", "no bootstrap for this organization");
    const link = workflowUrl(config, status.workflowId);
    return json(200, { ...status, ...(link ? { workflowUrl: link } : {}) }, { "x-request-id": requestId });
  }

  return adminEndpoint(
    { what: "bootstrap", methods: ["GET", "POST"], methodHint: "use POST to bootstrap or GET ?organizationId=… for its status", adminRole: config.BOOTSTRAP_ADMIN_ROLE, verifyToken: deps.verifyToken, log },
    ({ request, info, caller, requestId, timing }) =>
      request.method === "POST" ? post(request, info, caller, requestId, timing) : get(new URL(request.url), caller, requestId),
  );
}
