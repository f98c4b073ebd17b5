/**
 * The handler alone, with its store and Temporal client faked and a real JWT check: when the
 * `workflow_started` write happens relative to the response. No stack needed.
 */
import assert from "node:assert/strict";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { loadConfig } from "./config.ts";
import type { BootstrapEventStore } from "./event-store.ts";
import { createBootstrapHandler, type ServeInfo } from "./handler.ts";
import type { Log } from "./log.ts";

const silent: Log = { info() {}, warn() {}, error() {} };

interface Harness {
  readonly handle: (request: Request, info?: ServeInfo) => Promise<Response>;
  /** Each workflow_started write, in order. */
  readonly startedWrites: Array<{ organizationId: string; runId: string; idempotencyKey: string | undefined }>;
  readonly token: string;
}

async function harness(): Promise<Harness> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test", alg: "ES256" };
  const token = await new SignJWT({ role: "authenticated", [APP_ROLE_CLAIM]: PLATFORM_ADMIN_ROLE })
    .setProtectedHeader({ alg: "ES256", kid: "test" })
    .setSubject(crypto.randomUUID())
    .setExpirationTime("5m")
    .sign(privateKey);
  const startedWrites: Harness["startedWrites"] = [];
  const store: BootstrapEventStore = {
    emitInitiated: () => Promise.resolve({ ok: true, eventId: crypto.randomUUID() }),
    findInitiated: () => Promise.resolve(undefined),
    findOrganizationIdBySubdomain: () => Promise.resolve(undefined),
    emitWorkflowStarted(organizationId, data, metadata) {
      startedWrites.push({ organizationId, runId: data.runId, idempotencyKey: metadata.idempotency_key });
      return Promise.resolve(crypto.randomUUID());
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
    jwks: createLocalJWKSet({ keys: [jwk] }),
    store,
    temporal,
    statusReader: { read: () => Promise.resolve(undefined) },
    log: silent,
  });
  return { handle, startedWrites, token };
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
