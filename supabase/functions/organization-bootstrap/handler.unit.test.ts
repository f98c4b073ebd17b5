/**
 * The handler alone, with its store and Temporal client faked and a real JWT check: when the
 * `workflow_started` write happens relative to the response, which tokens get in, the rate limits,
 * and idempotency (the fake store keeps emit_domain_event's rules). No stack needed.
 */
import assert from "node:assert/strict";
import type { JWTPayload } from "jose";
import { APP_ROLE_CLAIM } from "@org-bootstrap/shared/stack-contract.ts";
import type { StartWorkflowOptions, TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { createTokenVerifier } from "../_shared/auth.ts";
import { projectSigner, startAnsweringTooLate } from "../_shared/testing.ts";
import { loadConfig } from "./config.ts";
import type { BootstrapEventStore } from "./event-store.ts";
import { createBootstrapHandler } from "./handler.ts";
import type { ServeInfo } from "../_shared/direct-start.ts";
import type { Log } from "../_shared/log.ts";
import type { OrganizationSnapshot } from "./status.ts";

const SUPABASE_URL = "http://127.0.0.1:9";
const ISSUER = `${SUPABASE_URL}/auth/v1`;

interface Harness {
  readonly handle: (request: Request, info?: ServeInfo) => Promise<Response>;
  /** Each workflow_started write, in order. */
  readonly startedWrites: Array<{ organizationId: string; runId: string; idempotencyKey: string | undefined }>;
  /** Warnings logged, by message. */
  readonly warnings: string[];
  readonly token: string;
  /** Signs a token with the project's key: a platform admin's valid claims, changed by `claims` (undefined removes one). */
  readonly sign: (claims?: JWTPayload) => Promise<string>;
  /** Each emitInitiated call: the organization, its form and its metadata. */
  readonly emits: Array<{ organizationId: string; data: unknown; metadata: Record<string, unknown> }>;
  /** Every findInitiated call (by organization id). */
  readonly finds: string[];
  /** Every status read (by organization id). */
  readonly reads: string[];
  /** Every StartWorkflowExecution sent. */
  readonly starts: StartWorkflowOptions[];
  /** The store's recorded initiated events. */
  readonly events: FakeEventLog;
}

/** The store's initiated events, by stream then idempotency key, with emit_domain_event's rules. */
class FakeEventLog {
  readonly byStream = new Map<string, { eventId: string; key: string | undefined; requestHash: string | undefined }>();

  emit(organizationId: string, metadata: Record<string, unknown>): { ok: true; eventId: string } | { ok: false; reason: "subdomain_taken" | "idempotency_key_reused" } {
    const key = metadata.idempotency_key as string | undefined;
    if (key !== undefined && key.length > 200) throw new Error("event_metadata.idempotency_key must be a string of 1 to 200 characters");
    const recorded = this.byStream.get(organizationId);
    if (recorded && key !== undefined && recorded.key === key) {
      const requestHash = metadata.request_hash as string | undefined;
      if (recorded.requestHash && requestHash && recorded.requestHash !== requestHash) return { ok: false, reason: "idempotency_key_reused" };
      return { ok: true, eventId: recorded.eventId };
    }
    // The projection: an organization is bootstrapped once.
    if (recorded) return { ok: false, reason: "subdomain_taken" };
    const eventId = crypto.randomUUID();
    this.byStream.set(organizationId, { eventId, key, requestHash: metadata.request_hash as string | undefined });
    return { ok: true, eventId };
  }
}

/**
 * `failWrite`: the store's workflow_started write rejects ("rejects") or throws before returning a
 * promise ("throws"); `writeDone`: the write lasts until this settles; `startWorkflow`: Temporal's
 * answer (by default, started at once).
 */
async function harness(
  options: {
    failWrite?: "rejects" | "throws";
    writeDone?: Promise<void>;
    env?: Record<string, string>;
    events?: FakeEventLog;
    snapshot?: OrganizationSnapshot;
    startWorkflow?: TemporalClient["startWorkflow"];
  } = {},
): Promise<Harness> {
  const { jwk, sign } = await projectSigner(ISSUER);
  const token = await sign();
  const startedWrites: Harness["startedWrites"] = [];
  const warnings: string[] = [];
  const emits: Harness["emits"] = [];
  const finds: string[] = [];
  const reads: string[] = [];
  const log: Log = { info() {}, warn: (message) => void warnings.push(message), error() {} };
  const events = options.events ?? new FakeEventLog();
  const store: BootstrapEventStore = {
    async emitInitiated(organizationId, data, metadata) {
      emits.push({ organizationId, data, metadata: { ...metadata } });
      await settle(); // a round trip: concurrent requests interleave here, as they do against PostgREST
      return events.emit(organizationId, metadata);
    },
    findInitiated(organizationId) {
      finds.push(organizationId);
      const recorded = events.byStream.get(organizationId);
      return Promise.resolve(recorded ? { eventId: recorded.eventId, requestHash: recorded.requestHash } : undefined);
    },
    findOrganizationIdBySubdomain: () => Promise.resolve(undefined),
    emitWorkflowStarted(organizationId, data, metadata) {
      startedWrites.push({ organizationId, runId: data.runId, idempotencyKey: metadata.idempotency_key });
      if (options.failWrite === "throws") throw new Error("the store broke");
      if (options.failWrite === "rejects") return Promise.reject(new Error("PostgREST is down"));
      return (options.writeDone ?? Promise.resolve()).then(() => crypto.randomUUID());
    },
  };
  const starts: StartWorkflowOptions[] = [];
  const temporal: TemporalClient = {
    startWorkflow: (start) => {
      starts.push(start);
      return options.startWorkflow ? options.startWorkflow(start) : Promise.resolve({ status: "started", started: true, runId: "run-1" });
    },
    describeWorkflow: () => Promise.reject(new Error("not used")),
  };
  const handle = createBootstrapHandler({
    config: loadConfig({
      SUPABASE_URL,
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests",
      TEMPORAL_PROXY_URL: "http://127.0.0.1:9",
      TEMPORAL_PROXY_TOKEN: "t".repeat(32),
      ...options.env,
    }),
    verifyToken: createTokenVerifier({ supabaseUrl: SUPABASE_URL, issuer: ISSUER, projectKeys: { publicKeys: [jwk], secrets: [] } }),
    store,
    temporal,
    statusReader: {
      read: (organizationId) => {
        reads.push(organizationId);
        return Promise.resolve(options.snapshot?.id === organizationId ? options.snapshot : undefined);
      },
    },
    log,
  });
  return { handle, startedWrites, warnings, token, sign, emits, finds, reads, starts, events };
}

const form = (overrides: Record<string, unknown> = {}) => ({
  name: "Acme", subdomain: "acme-handler-test", contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }], ...overrides,
});

/** A POST of `body` (JSON-encoded; `raw` is sent as is), with the headers a frontend sends, changed by `headers`. */
const bootstrapRequest = (token: string, options: { body?: unknown; raw?: BodyInit; idempotencyKey?: string; headers?: Record<string, string> } = {}) => new Request("http://localhost/organization-bootstrap", {
  method: "POST",
  headers: {
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
    ...(options.idempotencyKey !== undefined ? { "idempotency-key": options.idempotencyKey } : {}),
    ...options.headers,
  },
  body: options.raw ?? JSON.stringify(options.body ?? form()),
});

const statusRequest = (token: string, organizationId: string) =>
  new Request(`http://localhost/organization-bootstrap?organizationId=${organizationId}`, { headers: { authorization: `Bearer ${token}` } });

/** A promise settled from outside, standing in for Deno.serve's `completed`. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every promise callback queued so far run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("workflow_started is written only once the response has been delivered, when the runtime says when", async () => {
  const { handle, startedWrites, token } = await harness();
  const completed = deferred();
  const response = await handle(bootstrapRequest(token), { completed: completed.promise });
  assert.equal(response.status, 200);
  const body = await response.json();
  await settle();
  assert.deepEqual(startedWrites, [], "written before the response was delivered");
  completed.resolve();
  await settle();
  assert.deepEqual(startedWrites, [{ organizationId: body.organizationId, runId: "run-1", idempotencyKey: `${body.workflowId}:workflow_started` }]);
});

Deno.test("workflow_started is still written when delivering the response failed", async () => {
  const { handle, startedWrites, token } = await harness();
  const completed = deferred();
  const response = await handle(bootstrapRequest(token), { completed: completed.promise });
  assert.equal(response.status, 200);
  await response.body?.cancel();
  completed.reject(new Error("the client went away"));
  await settle();
  assert.equal(startedWrites.length, 1);
});

Deno.test("workflow_started is written at once where the runtime does not report delivery", async () => {
  const { handle, startedWrites, token } = await harness();
  const response = await handle(bootstrapRequest(token));
  assert.equal(response.status, 200);
  await response.body?.cancel();
  await settle();
  assert.equal(startedWrites.length, 1);
});

Deno.test("the promise given to EdgeRuntime.waitUntil settles only once the write is done", async () => {
  const write = deferred();
  const { handle, startedWrites, token } = await harness({ writeDone: write.promise });
  const waited: Array<Promise<unknown>> = [];
  const global = globalThis as { EdgeRuntime?: unknown };
  const previous = global.EdgeRuntime;
  global.EdgeRuntime = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise) };
  try {
    const completed = deferred();
    const response = await handle(bootstrapRequest(token), { completed: completed.promise });
    await response.body?.cancel();
    assert.equal(waited.length, 1, "the write was not handed to waitUntil");
    let settled = false;
    void waited[0]!.then(() => (settled = true));
    completed.resolve();
    await settle();
    assert.equal(startedWrites.length, 1, "the write did not begin once the response was delivered");
    assert.equal(settled, false, "waitUntil's promise settled while the write was still in flight");
    write.resolve();
    await settle();
    assert.equal(settled, true, "waitUntil's promise did not settle once the write was done");
  } finally {
    global.EdgeRuntime = previous;
  }
});

for (const failWrite of ["rejects", "throws"] as const) {
  Deno.test(`a write that ${failWrite} is logged as a warning and the answer stays 200 started`, async () => {
    const { handle, startedWrites, warnings, token } = await harness({ failWrite });
    for (const info of [undefined, { completed: Promise.resolve() }]) {
      const response = await handle(bootstrapRequest(token), info);
      assert.equal(response.status, 200);
      assert.equal((await response.json()).status, "started");
    }
    await settle();
    assert.equal(startedWrites.length, 2);
    assert.deepEqual(warnings, Array(2).fill("workflow_started event not written here; the workflow records it"));
  });
}

const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

Deno.test("a token signed by the project but with a wrong aud or iss, no exp, a bad sub or a future nbf gets 401, for POST and GET, and writes nothing", async () => {
  const { handle, sign, emits, reads } = await harness();
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, JWTPayload]> = [
    ["a foreign aud", { aud: "some-other-app" }],
    ["another project's iss", { iss: "https://another-ref.supabase.co/auth/v1" }],
    ["no iss", { iss: undefined }],
    ["no exp", { exp: undefined }],
    ["an empty sub", { sub: "" }],
    ["a sub that is not a UUID", { sub: "not-a-user-id" }],
    ["nbf in the future", { nbf: now + 600 }],
  ];
  for (const [name, claims] of cases) {
    const token = await sign(claims);
    for (const request of [bootstrapRequest(token), statusRequest(token, crypto.randomUUID())]) {
      const response = await handle(request);
      assert.equal(response.status, 401, `${name} (${request.method})`);
      assert.equal(await errorCode(response), "unauthorized", name);
    }
  }
  assert.deepEqual(emits, [], "nothing was written");
  assert.deepEqual(reads, [], "nothing was read");
});

Deno.test("GET is rate-limited per caller, in a bucket of its own: polling never uses up the caller's bootstraps", async () => {
  const { handle, token, sign } = await harness({
    env: { BOOTSTRAP_STATUS_RATE_BURST: "3", BOOTSTRAP_STATUS_RATE_PER_MINUTE: "1", BOOTSTRAP_RATE_BURST: "2", BOOTSTRAP_RATE_PER_MINUTE: "1" },
  });
  const organizationId = crypto.randomUUID();
  for (let i = 0; i < 3; i++) {
    const response = await handle(statusRequest(token, organizationId));
    assert.equal(response.status, 404, `read ${i + 1} is within the burst`);
    await response.body?.cancel();
  }
  const limited = await handle(statusRequest(token, organizationId));
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) >= 1, "retry-after says when");
  assert.equal(await errorCode(limited), "rate_limited");
  // The POST bucket is untouched by the reads, and the reads' limit is per caller.
  const posted = await handle(bootstrapRequest(token));
  assert.equal(posted.status, 200);
  await posted.body?.cancel();
  const other = await handle(statusRequest(await sign({ sub: crypto.randomUUID() }), organizationId));
  assert.equal(other.status, 404, "another caller has a bucket of its own");
  await other.body?.cancel();
});

Deno.test("GET with an upper-case organizationId reads the organization's stored, lower-case id", async () => {
  const organizationId = crypto.randomUUID();
  const snapshot: OrganizationSnapshot = {
    id: organizationId, name: "Acme", subdomain: "acme", status: "active", failureReason: null, startedBy: "edge", invitations: [],
  };
  const { handle, token, reads } = await harness({ snapshot });
  const response = await handle(statusRequest(token, organizationId.toUpperCase()));
  assert.equal(response.status, 200);
  const body = (await response.json()) as { organizationId: string; organization: { status: string } };
  assert.equal(body.organizationId, organizationId);
  assert.equal(body.organization.status, "active");
  assert.deepEqual(reads, [organizationId]);
});

Deno.test("every Idempotency-Key the API accepts is storable: a 200-character key is recorded as a digest", async () => {
  const { handle, token, emits } = await harness();
  const key = "k".repeat(200);
  const response = await handle(bootstrapRequest(token, { idempotencyKey: key }));
  assert.equal(response.status, 200, JSON.stringify(await response.clone().json()));
  await response.body?.cancel();
  const stored = emits[0]!.metadata.idempotency_key as string;
  const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))), (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(stored, `bootstrap:${digest}`);
  assert.ok(stored.length <= 200);
  const tooLong = await handle(bootstrapRequest(token, { idempotencyKey: "k".repeat(201) }));
  assert.equal(tooLong.status, 400, "a key over 200 characters is refused before anything is written");
  assert.equal(await errorCode(tooLong), "invalid_idempotency_key");
});

Deno.test("sequential replays of one Idempotency-Key: the same form gets the recorded answer in one write, another form 422", async () => {
  const { handle, token, emits, finds } = await harness();
  const first = await handle(bootstrapRequest(token, { idempotencyKey: "submit-1" }));
  assert.equal(first.status, 200);
  const recorded = await first.json();
  const again = await handle(bootstrapRequest(token, { idempotencyKey: "submit-1" }));
  assert.equal(again.status, 200);
  assert.deepEqual(await again.json(), recorded, "the replay is answered with the recorded event");
  const other = await handle(bootstrapRequest(token, { idempotencyKey: "submit-1", body: form({ name: "Globex" }) }));
  assert.equal(other.status, 422);
  assert.equal(await errorCode(other), "idempotency_key_reused");
  assert.equal(emits.length, 3, "one store call per request");
  assert.deepEqual(finds, [], "no read before the write");
});

Deno.test("five concurrent requests with one Idempotency-Key and five forms: one is recorded and answered 200, the others 422", async () => {
  const events = new FakeEventLog();
  const { handle, token, emits } = await harness({ events });
  const forms = Array.from({ length: 5 }, (_, i) => form({ name: `Acme ${i}`, subdomain: `acme-race-${i}` }));
  const answers = await Promise.all(forms.map(async (body) => {
    const response = await handle(bootstrapRequest(token, { idempotencyKey: "race", body }));
    return { status: response.status, body: (await response.json()) as Record<string, any>, form: body };
  }));
  assert.equal(new Set(emits.map((e) => e.organizationId)).size, 1, "one key, one stream");
  const ok = answers.filter((a) => a.status === 200);
  assert.equal(ok.length, 1, JSON.stringify(answers.map((a) => a.status)));
  for (const loser of answers.filter((a) => a.status !== 200)) {
    assert.equal(loser.status, 422);
    assert.equal(loser.body.error.code, "idempotency_key_reused");
  }
  const winner = ok[0]!;
  const recorded = events.byStream.get(winner.body.organizationId)!;
  assert.equal(winner.body.eventId, recorded.eventId, "the 2xx answer is the recorded event");
  const winnerEmit = emits.find((e) => e.metadata.request_hash === recorded.requestHash && e.organizationId === winner.body.organizationId)!;
  assert.deepEqual(winnerEmit.data, winner.form, "the recorded form is the winner's");
});

Deno.test("a stream bootstrapped under another idempotency key (before keys were digests) is still a replay: same form 200, another 422", async () => {
  const events = new FakeEventLog();
  const { handle, token, finds } = await harness({ events });
  const first = await handle(bootstrapRequest(token, { idempotencyKey: "legacy" }));
  const recorded = await first.json();
  // As if recorded with the raw key `bootstrap:legacy`: the digest no longer matches it.
  events.byStream.get(recorded.organizationId)!.key = "bootstrap:legacy";
  const again = await handle(bootstrapRequest(token, { idempotencyKey: "legacy" }));
  assert.equal(again.status, 200);
  assert.equal((await again.json()).eventId, recorded.eventId);
  const other = await handle(bootstrapRequest(token, { idempotencyKey: "legacy", body: form({ name: "Globex" }) }));
  assert.equal(other.status, 422);
  await other.body?.cancel();
  assert.deepEqual(finds, [recorded.organizationId, recorded.organizationId], "read only after the write was refused");
});

/** A 4xx in the API's error shape: `{ error: { code, message, issues? } }`, with the request id; resolves with `error`. */
async function userError(response: Response, status: number, code: string): Promise<{ code: string; message: string; issues?: Array<{ path: string; message: string }> }> {
  const body = (await response.json()) as { error: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.ok(typeof body.error.message === "string" && body.error.message !== "", "a message the caller can read");
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.ok(response.headers.get("x-request-id"), "the request id, to quote to support");
  return body.error;
}

Deno.test("hostile or invalid bodies get 400/413/415/422 in the error shape, 422 naming each bad field, and nothing is written or started", async () => {
  const { handle, token, emits, starts } = await harness();
  const cases: Array<{ name: string; request: Partial<Parameters<typeof bootstrapRequest>[1]>; status: number; code: string; paths?: string[] }> = [
    { name: "not JSON", request: { raw: "{name: Acme" }, status: 400, code: "invalid_json" },
    { name: "not UTF-8", request: { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }, status: 400, code: "invalid_json" },
    { name: "an array", request: { body: [form()] }, status: 422, code: "validation_failed", paths: ["(body)"] },
    { name: "an empty form", request: { body: {} }, status: 422, code: "validation_failed", paths: ["name", "subdomain", "contactEmail", "admins"] },
    { name: "a key the form does not have", request: { body: form({ status: "active" }) }, status: 422, code: "validation_failed", paths: ["(body)"] },
    { name: "__proto__ smuggled in", request: { raw: `{"__proto__":{"admin":true},${JSON.stringify(form()).slice(1)}` }, status: 422, code: "validation_failed", paths: ["(body)"] },
    { name: "a bidi override in the name", request: { body: form({ name: "Acme \u202eevil" }) }, status: 422, code: "validation_failed", paths: ["name"] },
    { name: "a NUL in the name", request: { body: form({ name: "Acme\u0000" }) }, status: 422, code: "validation_failed", paths: ["name"] },
    { name: "a reserved subdomain", request: { body: form({ subdomain: "admin" }) }, status: 422, code: "validation_failed", paths: ["subdomain"] },
    { name: "a punycode subdomain", request: { body: form({ subdomain: "xn--80ak6aa92e" }) }, status: 422, code: "validation_failed", paths: ["subdomain"] },
    { name: "a subdomain that is a path", request: { body: form({ subdomain: "../etc" }) }, status: 422, code: "validation_failed", paths: ["subdomain"] },
    { name: "a script for an email", request: { body: form({ contactEmail: "<script>alert(1)</script>" }) }, status: 422, code: "validation_failed", paths: ["contactEmail"] },
    { name: "an admin without an email", request: { body: form({ admins: [{ firstName: "Ada" }] }) }, status: 422, code: "validation_failed", paths: ["admins.0.email"] },
    { name: "eleven admins", request: { body: form({ admins: Array.from({ length: 11 }, (_, i) => ({ email: `a${i}@acme.test` })) }) }, status: 422, code: "validation_failed", paths: ["admins"] },
    { name: "one admin twice", request: { body: form({ admins: [{ email: "ada@acme.test" }, { email: "ADA@acme.test" }] }) }, status: 422, code: "validation_failed", paths: ["admins"] },
    { name: "a body over 64 KiB", request: { body: form({ name: "x".repeat(70 * 1024) }) }, status: 413, code: "payload_too_large" },
    { name: "a form sent as text", request: { headers: { "content-type": "text/plain" } }, status: 415, code: "unsupported_media_type" },
    { name: "an Idempotency-Key with spaces", request: { idempotencyKey: "bad key" }, status: 400, code: "invalid_idempotency_key" },
  ];
  for (const { name, request, status, code, paths } of cases) {
    const error = await userError(await handle(bootstrapRequest(token, request)), status, code).catch((cause) => {
      throw new Error(`${name}: ${cause.message}`, { cause });
    });
    if (paths) assert.deepEqual([...new Set(error.issues?.map((issue) => issue.path))].sort(), [...paths].sort(), name);
  }
  assert.deepEqual(emits, [], "nothing reached the store");
  assert.deepEqual(starts, [], "nothing was started");
});

Deno.test("no token, or one that is not a project user's, is 401 and a user who is not a platform admin 403, for POST and GET; nothing is written or read", async () => {
  const { handle, sign, emits, reads, starts } = await harness();
  const now = Math.floor(Date.now() / 1000);
  // A platform admin's token, with our kid, signed by another project's key.
  const byAnotherKey = await (await projectSigner(ISSUER)).sign();
  const authorizations: Array<[string, string | undefined, number, string]> = [
    ["no Authorization header", undefined, 401, "unauthorized"],
    ["an empty bearer", "Bearer ", 401, "unauthorized"],
    ["Basic credentials", `Basic ${btoa("admin:admin")}`, 401, "unauthorized"],
    ["a token that is not a JWT", "Bearer not-a-token", 401, "unauthorized"],
    ["a token signed by another key", `Bearer ${byAnotherKey}`, 401, "unauthorized"],
    ["an expired token", `Bearer ${await sign({ iat: now - 600, exp: now - 300 })}`, 401, "unauthorized"],
    ["the service role (an API key, not a user)", `Bearer ${await sign({ role: "service_role" })}`, 401, "unauthorized"],
    ["a member", `Bearer ${await sign({ [APP_ROLE_CLAIM]: "member" })}`, 403, "forbidden"],
    ["a user with no app_role", `Bearer ${await sign({ [APP_ROLE_CLAIM]: undefined })}`, 403, "forbidden"],
  ];
  for (const [name, authorization, status, code] of authorizations) {
    const headers: Record<string, string> = { "content-type": "application/json", ...(authorization !== undefined ? { authorization } : {}) };
    const requests = [
      new Request("http://localhost/organization-bootstrap", { method: "POST", headers, body: JSON.stringify(form()) }),
      new Request(`http://localhost/organization-bootstrap?organizationId=${crypto.randomUUID()}`, { headers }),
    ];
    for (const request of requests) {
      await userError(await handle(request), status, code).catch((cause) => {
        throw new Error(`${name} (${request.method}): ${cause.message}`, { cause });
      });
    }
  }
  assert.deepEqual(emits, [], "nothing was written");
  assert.deepEqual(reads, [], "nothing was read");
  assert.deepEqual(starts, [], "nothing was started");
});

Deno.test("POST over the caller's burst: 429 rate_limited with Retry-After, before anything is written", async () => {
  const { handle, token, emits } = await harness({ env: { BOOTSTRAP_RATE_BURST: "2", BOOTSTRAP_RATE_PER_MINUTE: "1" } });
  for (let i = 0; i < 2; i++) {
    const response = await handle(bootstrapRequest(token, { body: form({ subdomain: `acme-rate-${i}` }) }));
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
  const limited = await handle(bootstrapRequest(token, { body: form({ subdomain: "acme-rate-2" }) }));
  assert.ok(Number(limited.headers.get("retry-after")) >= 1, "retry-after says when");
  await userError(limited, 429, "rate_limited");
  assert.equal(emits.length, 2, "the limited request reached no store");
});

Deno.test("a start Temporal does not answer within BOOTSTRAP_START_BUDGET_MS: 202 queued at the budget, the event recorded for the reconciler", async () => {
  const budgetMs = 150;
  const { handle, token, emits, events, starts, startedWrites, warnings } = await harness({
    env: { BOOTSTRAP_START_BUDGET_MS: String(budgetMs) },
    startWorkflow: startAnsweringTooLate,
  });
  const began = performance.now();
  const response = await handle(bootstrapRequest(token));
  const elapsedMs = performance.now() - began;
  assert.equal(response.status, 202);
  const body = (await response.json()) as { status: string; eventId: string; organizationId: string; workflowId: string };
  assert.equal(body.status, "queued");
  assert.ok(elapsedMs >= budgetMs - 5 && elapsedMs < budgetMs + 1000, `answered after ${elapsedMs.toFixed(0)} ms, budget ${budgetMs} ms`);
  assert.equal(emits.length, 1);
  assert.equal(events.byStream.get(body.organizationId)?.eventId, body.eventId, "the answer names the recorded event");
  assert.equal(starts.length, 1);
  assert.equal(starts[0]!.signal?.aborted, true, "the start was given up");
  await settle();
  assert.deepEqual(startedWrites, [], "no run to record");
  assert.deepEqual(warnings, ["workflow start deferred to the reconciler"]);
});
