/**
 * The proxy connects to Temporal lazily and reconnects after Temporal goes away: it can
 * start before Temporal, answers UNAVAILABLE (and stays up) while Temporal is down, and
 * the next call after Temporal is back works. Uses its own Temporal dev server on free
 * ports (the stack's one must not be stopped), persisted to a file so a restart keeps
 * the workflows started before it.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { after, test } from "node:test";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { isUnavailable } from "@org-bootstrap/shared/grpc-web/status.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { PROXY_STARTED_BY, organizationIdFromWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { silentProgress } from "../../supabase/local/src/log.ts";
import { freePort } from "../../supabase/local/src/net.ts";
import { startTemporalDevServer, type RunningTemporal } from "../../supabase/local/src/temporal/dev-server.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { connectTemporal, freshWorkflowId, startTestProxy, terminateAll, type TestProxy } from "./support/proxy-harness.ts";

let temporal: RunningTemporal | undefined;
let harness: TestProxy | undefined;

after(async () => {
  await harness?.proxy.close();
  await temporal?.stop();
});

test("the proxy starts before Temporal, answers UNAVAILABLE while it is down, and works again once it is back", async () => {
  const dataDir = path.join(stackEnv().dataDir, `proxy-restart-${process.pid}`);
  const ports = { grpc: await freePort(), ui: await freePort(), http: await freePort() };
  const startTemporal = () => startTemporalDevServer({ dataDir, ports, progress: silentProgress });
  harness = await startTestProxy({ temporalAddress: `127.0.0.1:${ports.grpc}` });
  const client = createTemporalClient({ proxyUrl: harness.proxy.url, proxyToken: harness.token, namespace: stackEnv().temporalNamespace });
  // The edge function's start, the only shape the proxy forwards.
  const start = (workflowId: string, eventId = randomUUID()) =>
    client.startWorkflow({ ...bootstrapWorkflowStart({ organizationId: organizationIdFromWorkflowId(workflowId)!, eventId }, PROXY_STARTED_BY), requestId: eventId });
  const healthy = async () => (await fetch(`${harness!.proxy.url}/healthz`)).status === 200;

  const first = freshWorkflowId();
  const second = freshWorkflowId();

  // Temporal not started yet.
  await assert.rejects(start(first), (error: unknown) => isUnavailable(error));
  assert.ok(await healthy());

  temporal = await startTemporal();
  assert.equal((await start(first)).status, "started");

  await temporal.stop();
  temporal = undefined;
  const whileDown = Date.now();
  await assert.rejects(start(second), (error: unknown) => isUnavailable(error));
  assert.ok(Date.now() - whileDown < 5_000, "UNAVAILABLE comes back quickly, not after the deadline");
  assert.ok(await healthy(), "the proxy is still up");
  assert.equal(harness.logs.at(-1)?.grpcCode, "UNAVAILABLE");

  temporal = await startTemporal();
  assert.equal((await start(second)).status, "started", "the first call after Temporal is back works");
  const description = await client.describeWorkflow(first);
  assert.equal(description.status, "RUNNING", "the workflow started before the restart survived it");

  const direct = await connectTemporal(temporal.address);
  try {
    await terminateAll(direct, [first, second]);
  } finally {
    await direct.close();
  }
});
