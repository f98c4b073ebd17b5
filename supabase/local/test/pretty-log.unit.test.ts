/** How `npm start` shows the services' log lines: pretty-log.ts, and following the log files. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { formatLogLine } from "@org-bootstrap/shared/log-line.ts";
import { followServiceLogs, serviceOfLogFile } from "../src/follow-logs.ts";
import { prettyLogLine } from "../src/pretty-log.ts";

// Local time, as a person at the terminal reads it.
const at = new Date(2026, 11, 6, 6, 12, 1);

test("a line of the shared format: time, level, service, message, the request's ids, then the other fields", () => {
  const line = formatLogLine("info", "started org-bootstrap-3b7c", { runId: "run-1", path: "realtime", eventId: "e-1", workflowId: "org-bootstrap-3b7c", trigger: "organization-bootstrap" }, at);
  assert.equal(
    prettyLogLine(line, "worker"),
    "06:12:01 info  worker  started org-bootstrap-3b7c  eventId=e-1 workflowId=org-bootstrap-3b7c trigger=organization-bootstrap path=realtime runId=run-1",
  );
  assert.equal(prettyLogLine(formatLogLine("warn", "proxy stopped", {}, at), "proxy"), "06:12:01 warn  proxy   proxy stopped");
});

test("values with spaces, quotes or equals signs are quoted; anything not flat is JSON", () => {
  const line = JSON.stringify({ level: "error", msg: "m", time: at.toISOString(), reason: "no such thing", filter: "event_type=in.(a)", empty: "", nested: { a: 1 }, n: 3, ok: false });
  assert.equal(prettyLogLine(line, "organization-bootstrap"), '06:12:01 error organization-bootstrap  m  reason="no such thing" filter="event_type=in.(a)" empty="" nested={"a":1} n=3 ok=false');
});

test("control characters in a message or a value are shown as escapes: a logged value cannot forge a line or colour the terminal", () => {
  const line = formatLogLine("warn", "refused\n06:00:00 info  worker  forged", { reason: "\u001b[31mred", note: "a\rb" }, at);
  const shown = prettyLogLine(line, "proxy");
  assert.ok(!/[\u0000-\u001f]/.test(shown), JSON.stringify(shown));
  assert.match(shown, /refused\\u000a06:00:00 info {2}worker {2}forged/);
  assert.match(shown, /reason=\\u001b\[31mred/);
});

test("colour marks the level only when asked for", () => {
  const shown = prettyLogLine(formatLogLine("error", "m", {}, at), "worker", { color: true });
  assert.equal(shown, "06:12:01 \x1b[31merror\x1b[0m worker  m");
});

test("any other line is left as it is", () => {
  for (const line of ["--- booted in 412 ms (pid 7)", "    at handler (file:///x.ts:1:2)", "[reconciler] old format", '{"msg":"not ours"}', ""]) {
    assert.equal(prettyLogLine(line, "worker"), line);
  }
});

test("the files followed are the functions', the proxy's and the worker's", () => {
  assert.equal(serviceOfLogFile("temporal-proxy.log"), "proxy");
  assert.equal(serviceOfLogFile("worker.log"), "worker");
  assert.equal(serviceOfLogFile("functions-organization-bootstrap.log"), "organization-bootstrap");
  assert.equal(serviceOfLogFile("postgres.log"), undefined);
  assert.equal(serviceOfLogFile("temporal.log"), undefined);
});

test("following prints only what is written from now on, a line once it is complete, in files that appear later too", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "follow-logs-"));
  try {
    fs.writeFileSync(path.join(dir, "worker.log"), `${formatLogLine("info", "before", {}, at)}\n`);
    fs.writeFileSync(path.join(dir, "postgres.log"), "");
    const shown: string[] = [];
    const follower = followServiceLogs(dir, (line) => void shown.push(line), { intervalMs: 60_000 });
    fs.appendFileSync(path.join(dir, "worker.log"), `${formatLogLine("info", "after", {}, at)}\n{"level":"info","msg":"half`);
    fs.writeFileSync(path.join(dir, "functions-organization-bootstrap.log"), "--- booting organization-bootstrap\n");
    fs.appendFileSync(path.join(dir, "postgres.log"), "LOG:  not followed\n");
    follower.stop();
    assert.deepEqual(shown.sort(), ["--- booting organization-bootstrap", "06:12:01 info  worker  after"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
