/**
 * Temporal Cloud mode: with TLS settings or an API key in the environment, the proxy speaks
 * TLS upstream, verifies the server certificate, and sends the API key and namespace as
 * metadata, never the caller's proxy token. A recording HTTP/2 TLS server stands in for
 * Temporal Cloud, which tests cannot reach.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { isUnavailable } from "@org-bootstrap/shared/grpc-web/status.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { PROXY_STARTED_BY } from "@org-bootstrap/shared/workflow-contract.ts";
import { parseProxyEnv } from "../src/proxy/env.ts";
import { startProxy } from "../src/proxy/server.ts";
import { answerStartWorkflow } from "./support/fake-temporal.ts";

let dir: string;
let upstream: http2.Http2SecureServer;
let address: string;
const received: http2.IncomingHttpHeaders[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=temporal.test", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", path.join(dir, "server.key"), "-out", path.join(dir, "server.pem"),
  ], { stdio: "ignore" });
  upstream = http2.createSecureServer({ key: fs.readFileSync(path.join(dir, "server.key")), cert: fs.readFileSync(path.join(dir, "server.pem")) });
  upstream.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    received.push(headers);
    answerStartWorkflow(stream, "cloud-run");
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => upstream.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const startOnce = (url: string, token: string) =>
  createTemporalClient({ proxyUrl: url, proxyToken: token, namespace: "default" }).startWorkflow(edgeStart());

/** The edge function's start for a new organization: the only shape the proxy forwards. */
function edgeStart() {
  const eventId = randomUUID();
  return { ...bootstrapWorkflowStart({ organizationId: randomUUID(), eventId }, PROXY_STARTED_BY), requestId: eventId };
}

test("with TEMPORAL_TLS_CA and TEMPORAL_API_KEY, calls go over verified TLS with the API key, never the caller's token", async () => {
  const token = randomBytes(32).toString("hex");
  const parsed = parseProxyEnv({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: "default",
    TEMPORAL_PROXY_TOKEN: token,
    TEMPORAL_PROXY_PORT: "0",
    TEMPORAL_TLS_CA: path.join(dir, "server.pem"),
    TEMPORAL_API_KEY: "cloud-api-key",
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  const proxy = await startProxy({ ...parsed.options, log: () => {} });
  try {
    const before = received.length;
    assert.deepEqual(await startOnce(proxy.url, token), { status: "started", started: true, runId: "cloud-run" });
    const headers = received.slice(before);
    assert.equal(headers.length, 1);
    assert.equal(headers[0]!.authorization, "Bearer cloud-api-key");
    assert.equal(headers[0]!["temporal-namespace"], "default");
    assert.ok(!JSON.stringify(headers[0]).includes(token), "the proxy token is not sent upstream");
  } finally {
    await proxy.close();
  }
});

test("an upstream certificate that does not verify is UNAVAILABLE, and nothing is sent", async () => {
  const token = randomBytes(32).toString("hex");
  // TLS on (API key) but no CA for the self-signed certificate: the system CAs must reject it.
  const proxy = await startProxy({ temporalAddress: address, namespace: "default", token, tls: {}, apiKey: "cloud-api-key", log: () => {} });
  try {
    const before = received.length;
    await assert.rejects(startOnce(proxy.url, token), (error: unknown) => isUnavailable(error));
    assert.equal(received.length, before);
  } finally {
    await proxy.close();
  }
});
