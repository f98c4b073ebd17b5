/**
 * organization-deactivate's handler alone, with its store and Temporal client faked (the fake store
 * keeps emit_domain_event's and the projection's rules) and a real JWT check. No stack needed.
 */
import assert from "node:assert/strict";
import { APP_ROLE_CLAIM } from "@org-bootstrap/shared/stack-contract.ts";
import type { StartWorkflowOptions, TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { createTokenVerifier } from "../_shared/auth.ts";
import { projectSigner, startAnsweringTooLate } from "../_shared/testing.ts";
import type { Log } from "../_shared/log.ts";
import { loadConfig } from "./config.ts";
import type { DeactivateEventStore, DeactivationRefusal } from "./event-store.ts";
import { createDeactivateHandler } from "./handler.ts";

const SUPABASE_URL = "http://127.0.0.1:9";
const ISSUER = `${SUPABASE_URL}/auth/v1`;

type Status = "provisioning" | "active" | "failed" | "deactivated";

/** The store's rules: an unknown organization is 23503, a failed or deactivated one or a second request P0001, a reused key PT422. */
class FakeStore {
  readonly organizations = new Map<string, { status: Status; requested?: { eventId: string; key?: string; hash?: string } }>();
  readonly emits: Array<{ organizationId: string; reason: string; metadata: Record<string, unknown> }> = [];
  readonly startedWrites: Array<{ workflowId: string; runId: string }> = [];

  store(): DeactivateEventStore {
    return {
      emitRequested: async (organizationId, reason, metadata) => {
        this.emits.push({ organizationId, reason, metadata: { ...metadata } });
        await new Promise((resolve) => setTimeout(resolve, 0)); // concurrent requests interleave here, as against PostgREST
        return this.emit(organizationId, metadata);
      },
      emitWorkflowStarted: (_ref, data) => {
        this.startedWrites.push({ workflowId: data.workflowId, runId: data.runId });
        return Promise.resolve(crypto.randomUUID());
      },
    };
  }

  private emit(organizationId: string, metadata: Record<string, unknown>): { ok: true; eventId: string } | { ok: false; reason: DeactivationRefusal } {
    const organization = this.organizations.get(organizationId);
    if (!organization) return { ok: false, reason: "not_found" };
    const key = metadata.idempotency_key as string | undefined;
    const hash = metadata.request_hash as string | undefined;
    const requested = organization.requested;
    if (requested && key !== undefined && requested.key === key) {
      return requested.hash === hash ? { ok: true, eventId: requested.eventId } : { ok: false, reason: "idempotency_key_reused" };
    }
    if (organization.status === "failed" || organization.status === "deactivated") return { ok: false, reason: "organization_not_active" };
    if (requested) return { ok: false, reason: "deactivation_in_progress" };
    const eventId = crypto.randomUUID();
    organization.requested = { eventId, ...(key ? { key } : {}), ...(hash ? { hash } : {}) };
    return { ok: true, eventId };
  }
}

/** `startWorkflow`: Temporal's answer (by default, started at once; `startFails`: refused). */
async function harness(options: { startFails?: boolean; burst?: number; env?: Record<string, string>; startWorkflow?: TemporalClient["startWorkflow"] } = {}) {
  const { jwk, sign } = await projectSigner(ISSUER);
  const token = await sign();
  const fake = new FakeStore();
  const starts: StartWorkflowOptions[] = [];
  const runs = new Map<string, string>();
  const startFails = options.startFails ?? false;
  const answer = options.startWorkflow;
  const temporal: TemporalClient = {
    startWorkflow: (options) => {
      starts.push(options);
      if (startFails) return Promise.reject(new Error("proxy down"));
      if (answer) return answer(options);
      // One run per workflow id; the same requestId is told it started it (as Temporal answers).
      const runId = runs.get(options.workflowId) ?? crypto.randomUUID();
      runs.set(options.workflowId, runId);
      return Promise.resolve({ status: "started", started: true, runId });
    },
    describeWorkflow: () => Promise.reject(new Error("not used")),
  };
  const warnings: string[] = [];
  const log: Log = { info() {}, warn: (message) => void warnings.push(message), error() {} };
  const handle = createDeactivateHandler({
    config: loadConfig({
      SUPABASE_URL,
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests",
      TEMPORAL_PROXY_URL: "http://127.0.0.1:9",
      TEMPORAL_PROXY_TOKEN: "p".repeat(40),
      DEACTIVATE_RATE_BURST: String(options.burst ?? 30),
      ...options.env,
    }),
    verifyToken: createTokenVerifier({ supabaseUrl: SUPABASE_URL, issuer: ISSUER, projectKeys: { publicKeys: [jwk], secrets: [] } }),
    store: fake.store(),
    temporal,
    log,
  });
  const post = (body: unknown, headers: Record<string, string> = {}, bearer = token) =>
    handle(new Request("http://fn/organization-deactivate", {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }));
  return { handle, post, sign, fake, starts, warnings };
}

const activeOrganization = (fake: FakeStore, status: Status = "active") => {
  const organizationId = crypto.randomUUID();
  fake.organizations.set(organizationId, { status });
  return organizationId;
};

Deno.test("deactivate: records the request and starts org-deactivate-{id} directly with the trigger's start (identity only)", async () => {
  const h = await harness();
  const organizationId = activeOrganization(h.fake);
  const response = await h.post({ organizationId: organizationId.toUpperCase(), reason: "customer left" });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.deepEqual({ ...body, eventId: undefined }, { organizationId, workflowId: `org-deactivate-${organizationId}`, status: "started", eventId: undefined });
  assert.equal(h.fake.emits.length, 1);
  assert.equal(h.fake.emits[0]!.reason, "customer left");
  const [start] = h.starts;
  assert.deepEqual([start?.workflowType, start?.taskQueue, start?.requestId], ["organizationDeactivateWorkflow", "organization-bootstrap", body.eventId]);
  assert.deepEqual(start?.args, [{ organizationId, eventId: body.eventId }], "the start names the organization and the event, nothing else");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(h.fake.startedWrites.map((w) => w.workflowId), [`org-deactivate-${organizationId}`]);
});

Deno.test("deactivate: 202 queued when Temporal does not answer; the event is recorded for the reconciler", async () => {
  const h = await harness({ startFails: true });
  const organizationId = activeOrganization(h.fake);
  const response = await h.post({ organizationId, reason: "customer left" });
  assert.equal(response.status, 202);
  assert.equal((await response.json()).status, "queued");
  assert.equal(h.fake.organizations.get(organizationId)?.requested !== undefined, true);
});

Deno.test("deactivate: a provisioning organization may be deactivated (the workflow waits for its bootstrap); unknown 404, failed or deactivated 409, a second request 409", async () => {
  const h = await harness();
  assert.equal((await h.post({ organizationId: activeOrganization(h.fake, "provisioning"), reason: "duplicate signup" })).status, 200);
  const unknown = await h.post({ organizationId: crypto.randomUUID(), reason: "who is this" });
  assert.deepEqual([unknown.status, (await unknown.json()).error.code], [404, "not_found"]);
  for (const status of ["failed", "deactivated"] as const) {
    const refused = await h.post({ organizationId: activeOrganization(h.fake, status), reason: "again" });
    assert.deepEqual([refused.status, (await refused.json()).error.code], [409, "organization_not_active"]);
  }
  const organizationId = activeOrganization(h.fake);
  assert.equal((await h.post({ organizationId, reason: "first" })).status, 200);
  const second = await h.post({ organizationId, reason: "second" });
  assert.deepEqual([second.status, (await second.json()).error.code], [409, "deactivation_in_progress"]);
  assert.equal(h.starts.length, 2, "no start for a refused request");
});

Deno.test("deactivate: 10 parallel requests with one Idempotency-Key record one event and answer alike; the key with another reason is 422", async () => {
  const h = await harness();
  const organizationId = activeOrganization(h.fake);
  const responses = await Promise.all(Array.from({ length: 10 }, () => h.post({ organizationId, reason: "customer left" }, { "idempotency-key": "deact-1" })));
  assert.deepEqual(responses.map((r) => r.status), Array(10).fill(200));
  const bodies = await Promise.all(responses.map((r) => r.json()));
  assert.equal(new Set(bodies.map((b) => b.eventId)).size, 1, "one recorded event");
  assert.equal(new Set(h.starts.map((s) => s.requestId)).size, 1, "every start carries that event's id, so Temporal dedupes them");
  const reused = await h.post({ organizationId, reason: "another reason" }, { "idempotency-key": "deact-1" });
  assert.deepEqual([reused.status, (await reused.json()).error.code], [422, "idempotency_key_reused"]);
});

Deno.test("deactivate: only platform admins; hostile bodies get 4xx and write nothing", async () => {
  const h = await harness();
  const organizationId = activeOrganization(h.fake);
  const member = await h.post({ organizationId, reason: "x".repeat(10) }, {}, await h.sign({ [APP_ROLE_CLAIM]: "member" }));
  assert.equal(member.status, 403);
  const anonymous = await h.handle(new Request("http://fn/organization-deactivate", { method: "POST", body: "{}" }));
  assert.equal(anonymous.status, 401);
  const hostile: Array<[unknown, number, Record<string, string>?]> = [
    ["not json", 400],
    [[], 422],
    [{ organizationId }, 422],
    [{ organizationId: "not-a-uuid", reason: "customer left" }, 422],
    [{ organizationId, reason: "ok" }, 422],
    [{ organizationId, reason: "x".repeat(501) }, 422],
    [{ organizationId, reason: "evil \u202e reversed" }, 422],
    [{ organizationId, reason: "nul \u0000 byte" }, 422],
    [{ organizationId, reason: "customer left", status: "deactivated" }, 422],
    [{ organizationId, reason: "customer left", padding: "y".repeat(8 * 1024) }, 413],
    [{ organizationId, reason: "customer left" }, 400, { "idempotency-key": "bad key with spaces" }],
    [{ organizationId, reason: "customer left" }, 415, { "content-type": "text/plain" }],
  ];
  for (const [body, status, headers] of hostile) {
    const response = await h.post(body, headers);
    const answer = await response.json();
    assert.equal(response.status, status, JSON.stringify(body).slice(0, 80));
    assert.deepEqual(Object.keys(answer), ["error"]);
    assert.match(answer.error.code, /^[a-z_]+$/);
    assert.ok(typeof answer.error.message === "string" && answer.error.message !== "");
    if (status === 422) assert.ok(answer.error.issues?.length > 0, `the failing fields are named: ${JSON.stringify(answer)}`);
  }
  assert.equal(h.fake.emits.length, 0, "nothing reached the store");
  assert.equal(h.starts.length, 0);
  const get = await h.handle(new Request("http://fn/organization-deactivate", { method: "GET" }));
  assert.deepEqual([get.status, get.headers.get("allow")], [405, "POST, OPTIONS"]);
});

Deno.test("deactivate: a caller over its rate is told when to retry, and nothing is written", async () => {
  const h = await harness({ burst: 5 });
  for (let i = 0; i < 5; i += 1) await h.post({ organizationId: crypto.randomUUID(), reason: "unknown org" });
  const limited = await h.post({ organizationId: activeOrganization(h.fake), reason: "customer left" });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  assert.equal(h.fake.emits.length, 5);
});

Deno.test("deactivate: a token that is not a project user's (garbage, another key, expired, the service role) is 401 and writes nothing", async () => {
  const h = await harness();
  const organizationId = activeOrganization(h.fake);
  const now = Math.floor(Date.now() / 1000);
  // A platform admin's token, with our kid, signed by another project's key.
  const byAnotherKey = await (await projectSigner(ISSUER)).sign();
  for (const token of ["not-a-token", byAnotherKey, await h.sign({ iat: now - 600, exp: now - 300 }), await h.sign({ role: "service_role" })]) {
    const response = await h.post({ organizationId, reason: "customer left" }, {}, token);
    assert.deepEqual([response.status, (await response.json()).error.code], [401, "unauthorized"]);
  }
  assert.equal(h.fake.emits.length, 0);
  assert.equal(h.starts.length, 0);
});

Deno.test("deactivate: a start Temporal does not answer within DEACTIVATE_START_BUDGET_MS is 202 queued at the budget, the request recorded", async () => {
  const budgetMs = 150;
  const h = await harness({
    env: { DEACTIVATE_START_BUDGET_MS: String(budgetMs) },
    startWorkflow: startAnsweringTooLate,
  });
  const organizationId = activeOrganization(h.fake);
  const began = performance.now();
  const response = await h.post({ organizationId, reason: "customer left" });
  const elapsedMs = performance.now() - began;
  assert.equal(response.status, 202);
  const body = await response.json();
  assert.equal(body.status, "queued");
  assert.ok(elapsedMs >= budgetMs - 5 && elapsedMs < budgetMs + 1000, `answered after ${elapsedMs.toFixed(0)} ms, budget ${budgetMs} ms`);
  assert.equal(h.fake.organizations.get(organizationId)?.requested?.eventId, body.eventId, "the answer names the recorded request");
  assert.equal(h.starts[0]?.signal?.aborted, true, "the start was given up");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(h.fake.startedWrites, [], "no run to record");
  assert.deepEqual(h.warnings, ["workflow start deferred to the reconciler"]);
});
