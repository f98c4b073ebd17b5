import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseWorkerEnv } from "../src/worker/env.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MAIN = path.join(REPO_ROOT, "workflows/src/worker/main.ts");

/** Runs the real entry point with exactly `env` (plus PATH), as a deploy would. */
function runWorker(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

const validLocal = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_SERVICE_ROLE_KEY: "x".repeat(40),
  TEMPORAL_ADDRESS: "127.0.0.1:7233",
  TEMPORAL_NAMESPACE: "default",
  WORKFLOW_MODE: "local",
};

test("worker: a bad environment gets one message naming every problem and its fix, exit 1, no stack trace, no secret", () => {
  const secret = "super-secret-dns-token-value";
  const result = runWorker({
    SUPABASE_URL: "not a url",
    TEMPORAL_ADDRESS: "http://temporal:7233",
    WORKFLOW_MODE: "production",
    DNS_API_TOKEN: secret,
    SMTP_PORT: "smtp",
    SMTP_USER: "mailer",
  });
  assert.equal(result.status, 1, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[0]!, /^✖ the worker cannot start: 13 problems in its environment$/);
  const named = lines.slice(1).map((line) => /^ {2}- ([A-Z_, ]+):/.exec(line)?.[1]);
  assert.deepEqual(named, [
    "SUPABASE_URL",
    "SUPABASE_SERVICE_ROLE_KEY",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "PLATFORM_BASE_DOMAIN",
    "DNS_TARGET",
    "DNS_ZONE_ID",
    "SMTP_HOST",
    "SMTP_PORT",
    "EMAIL_FROM",
    "APP_URL",
    "INVITATION_TOKEN_SECRET",
    "SMTP_USER, SMTP_PASSWORD",
  ]);
  assert.match(result.stderr, /TEMPORAL_ADDRESS: not host:port: use e\.g\. 127\.0\.0\.1:7233/);
  assert.match(result.stderr, /SUPABASE_SERVICE_ROLE_KEY: missing: .*npm run status/);
  assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+\)?$/m, "no stack trace");
  assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret), "values are never echoed");
  assert.equal(result.stdout, "");
});

test("worker: a missing WORKFLOW_MODE is named with both choices", () => {
  const { WORKFLOW_MODE: _omitted, ...rest } = validLocal;
  const result = runWorker(rest);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /1 problem in its environment\n {2}- WORKFLOW_MODE: missing: set local .* or production/);
});

test("worker env: local mode fills documented defaults; production mode requires its providers' settings and takes them", () => {
  const local = parseWorkerEnv(validLocal, "/srv/app");
  assert.ok(local.ok);
  assert.equal(local.config.temporal.taskQueue, "organization-bootstrap");
  assert.deepEqual(local.config.providers, {
    mode: "local", outboxDir: "/srv/app/.local/outbox", baseDomain: "orgs.localhost", dnsTarget: "ingress.localhost",
    emailFrom: "Org Bootstrap <no-reply@localhost>",
  });
  assert.match(local.config.invitations.tokenSecret, /^[0-9a-f]{64}$/);

  const production = parseWorkerEnv({
    ...validLocal,
    WORKFLOW_MODE: "production",
    TEMPORAL_TASK_QUEUE: "custom-queue",
    PLATFORM_BASE_DOMAIN: "orgs.example.com",
    DNS_TARGET: "ingress.example.com",
    DNS_ZONE_ID: "z1",
    DNS_API_TOKEN: "t1",
    SMTP_HOST: "smtp.example.com",
    SMTP_PORT: "465",
    SMTP_SECURITY: "tls",
    EMAIL_FROM: "Platform <no-reply@example.com>",
    APP_URL: "https://app.example.com/",
    INVITATION_TOKEN_SECRET: "s".repeat(32),
  });
  assert.ok(production.ok, JSON.stringify(production));
  assert.equal(production.config.temporal.taskQueue, "custom-queue");
  assert.deepEqual(production.config.providers, {
    mode: "production",
    dns: { apiUrl: "https://api.cloudflare.com/client/v4", zoneId: "z1", apiToken: "t1", baseDomain: "orgs.example.com", target: "ingress.example.com" },
    smtp: { host: "smtp.example.com", port: 465, security: "tls" },
    emailFrom: "Platform <no-reply@example.com>",
  });
  assert.deepEqual(production.config.invitations, { appUrl: "https://app.example.com", tokenSecret: "s".repeat(32) });
});

test("worker env: empty values count as missing; TEMPORAL_ADDRESS accepts host:port and [v6]:port only", () => {
  const empty = parseWorkerEnv({ ...validLocal, TEMPORAL_NAMESPACE: "  " });
  assert.deepEqual(empty.ok ? [] : empty.problems.map((p) => p.split(":")[0]), ["TEMPORAL_NAMESPACE"]);
  for (const [address, ok] of [["temporal:7233", true], ["[::1]:7233", true], ["temporal", false], ["temporal:99999", false], ["grpc://temporal:7233", false]] as const) {
    assert.equal(parseWorkerEnv({ ...validLocal, TEMPORAL_ADDRESS: address }).ok, ok, address);
  }
});
