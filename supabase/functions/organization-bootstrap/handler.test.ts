/**
 * The handler alone, with its store and Temporal client faked and a real JWT check: when the
 * `workflow_started` write happens relative to the response. No stack needed.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { createTokenVerifier } from "./auth.ts";
import { loadConfig } from "./config.ts";
import type { BootstrapEventStore } from "./event-store.ts";
import { createBootstrapHandler, type ServeInfo } from "./handler.ts";
import type { Log } from "./log.ts";

interface Harness {
  readonly handle: (request: Request, info?: ServeInfo) => Promise<Response>;
  /** Each workflow_started write, in order. */
  readonly startedWrites: Array<{ organizationId: string; runId: string; idempotencyKey: string | undefined }>;
  /** Warnings logged, by message. */
  readonly warnings: string[];
  readonly token: string;
}

/**
 * `failWrite`: the store's workflow_started write rejects ("rejects") or throws before returning a
 * promise ("throws"); `writeDone`: the write lasts until this settles.
 */
async function harness(options: { failWrite?: "rejects" | "throws"; writeDone?: Promise<void> } = {}): Promise<Harness> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test", alg: "ES256" };
  const token = await new SignJWT({ role: "authenticated", [APP_ROLE_CLAIM]: PLATFORM_ADMIN_ROLE })
    .setProtectedHeader({ alg: "ES256", kid: "test" })
    .setSubject(crypto.randomUUID())
    .setAudience("authenticated")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);
  const startedWrites: Harness["startedWrites"] = [];
  const warnings: string[] = [];
  const log: Log = { info() {}, warn: (message) => void warnings.push(message), error() {} };
  const store: BootstrapEventStore = {
    emitInitiated: () => Promise.resolve({ ok: true, eventId: crypto.randomUUID() }),
    findInitiated: () => Promise.resolve(undefined),
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
      SUPABASE_URL: "http://127.0.0.1:9",
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests",
      TEMPORAL_PROXY_URL: "http://127.0.0.1:9",
      TEMPORAL_PROXY_TOKEN: "t".repeat(32),
    }),
    verifyToken: createTokenVerifier({ supabaseUrl: "http://127.0.0.1:9", projectKeys: { publicKeys: [jwk], secrets: [] } }),
    store,
    temporal,
    statusReader: { read: () => Promise.resolve(undefined) },
    log,
  });
  return { handle, startedWrites, warnings, token };
}

const bootstrapRequest = (token: string) => new Request("http://localhost/organization-bootstrap", {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify({ name: "Acme", subdomain: "acme-handler-test", contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }] }),
});

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
