/**
 * The worker reaches Temporal Cloud the way the proxy does, from the same variables: an API key
 * (TLS implied) or mTLS files. What reaches NativeConnection.connect is checked here; a real Cloud
 * namespace is not available to tests.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROXY_ENV_NAMES } from "../src/proxy/env.ts";
import { parseWorkerEnv, WORKER_ENV_NAMES } from "../src/worker/env.ts";
import { temporalConnectionOptions } from "../src/worker/temporal-connection.ts";

const base = {
  SUPABASE_URL: "https://project.supabase.co",
  SUPABASE_SERVICE_ROLE_KEY: "x".repeat(40),
  TEMPORAL_ADDRESS: "my-ns.a1b2c.tmprl.cloud:7233",
  TEMPORAL_NAMESPACE: "my-ns.a1b2c",
  WORKFLOW_MODE: "local",
};

const TLS_NAMES = ["TEMPORAL_API_KEY", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA", "TEMPORAL_TLS_SERVER_NAME"];

test("worker and proxy read the same Temporal Cloud variables", () => {
  for (const name of TLS_NAMES) {
    assert.ok(WORKER_ENV_NAMES.includes(name), `the worker reads ${name}`);
    assert.ok(PROXY_ENV_NAMES.includes(name), `the proxy reads ${name}`);
  }
});

test("a local dev server: plaintext, no key", () => {
  const parsed = parseWorkerEnv({ ...base, TEMPORAL_ADDRESS: "127.0.0.1:7233", TEMPORAL_NAMESPACE: "default" });
  assert.ok(parsed.ok);
  assert.deepEqual(temporalConnectionOptions(parsed.config.temporal), { address: "127.0.0.1:7233" });
});

test("TEMPORAL_API_KEY: TLS with the system's CAs, the key as bearer, the namespace header", () => {
  const parsed = parseWorkerEnv({ ...base, TEMPORAL_API_KEY: "cloud-api-key" });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  assert.deepEqual(temporalConnectionOptions(parsed.config.temporal), {
    address: base.TEMPORAL_ADDRESS,
    tls: {},
    apiKey: "cloud-api-key",
    metadata: { "temporal-namespace": base.TEMPORAL_NAMESPACE },
  });
});

test("mTLS: the certificate pair (and CA, server name) are read from files; one without the other is refused", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-"));
  try {
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const cert = file("tls.crt", "CERT");
    const key = file("tls.key", "KEY");
    const ca = file("ca.crt", "CA");
    const parsed = parseWorkerEnv({ ...base, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: "temporal.internal" });
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
    const options = temporalConnectionOptions(parsed.config.temporal);
    assert.equal(options.apiKey, undefined);
    const tls = options.tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer; serverNameOverride: string };
    assert.equal(tls.clientCertPair.crt.toString(), "CERT");
    assert.equal(tls.clientCertPair.key.toString(), "KEY");
    assert.equal(tls.serverRootCACertificate.toString(), "CA");
    assert.equal(tls.serverNameOverride, "temporal.internal");

    const half = parseWorkerEnv({ ...base, TEMPORAL_TLS_CERT: cert });
    assert.ok(!half.ok);
    assert.deepEqual(half.problems, ["TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both (mTLS) or neither"]);
    const missing = parseWorkerEnv({ ...base, TEMPORAL_TLS_CERT: path.join(dir, "nope.crt"), TEMPORAL_TLS_KEY: key });
    assert.ok(!missing.ok);
    assert.match(missing.problems.join("\n"), /TEMPORAL_TLS_CERT: no such file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("WORKFLOW_BUNDLE_PATH must name an existing file", () => {
  const parsed = parseWorkerEnv({ ...base, WORKFLOW_BUNDLE_PATH: "/nonexistent/workflow-bundle.js" });
  assert.ok(!parsed.ok);
  assert.match(parsed.problems.join("\n"), /^WORKFLOW_BUNDLE_PATH: no such file/m);
});
