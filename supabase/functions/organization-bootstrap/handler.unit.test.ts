/**
 * The handler alone, with its store and Temporal client faked and a real JWT check: when the
 * `workflow_started` write happens relative to the response, which tokens get in, the rate limits,
 * and idempotency (the fake store keeps emit_domain_event's rules). No stack needed.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { createTokenVerifier } from "../_shared/auth.ts";
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
 * promise ("throws"); `writeDone`: the write lasts until this settles.
 */
async function harness(
  options: { failWrite?: "rejects" | "throws"; writeDone?: Promise<void>; env?: Record<string, string>; events?: FakeEventLog; snapshot?: OrganizationSnapshot } = {},
): Promise<Harness> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test", alg: "ES256" };
  const userId = crypto.randomUUID();
  const sign = (claims: JWTPayload = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const all: JWTPayload = { role: "authenticated", [APP_ROLE_CLAIM]: PLATFORM_ADMIN_ROLE, sub: userId, aud: "authenticated", iss: ISSUER, iat: now, exp: now + 300, ...claims };
    const present = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
    return new SignJWT(present).setProtectedHeader({ alg: "ES256", kid: "test" }).sign(privateKey);
  };
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
  const temporal: TemporalClient = {
    startWorkflow: () => Promise.resolve({ status: "started", started: true, runId: "run-1" }),
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
  return { handle, startedWrites, warnings, token, sign, emits, finds, reads };
}

const form = (overrides: Record<string, unknown> = {}) => ({
  name: "Acme", subdomain: "acme-handler-test", contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }], ...overrides,
});

const bootstrapRequest = (token: string, options: { body?: unknown; idempotencyKey?: string } = {}) => new Request("http://localhost/organization-bootstrap", {
  method: "POST",
  headers: {
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
    ...(options.idempotencyKey !== undefined ? { "idempotency-key": options.idempotencyKey } : {}),
  },
  body: JSON.stringify(options.body ?? form()),
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
