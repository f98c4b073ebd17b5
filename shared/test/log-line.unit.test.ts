/** The shared log line: its shape, what it leaves out, and what parses as one. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_LOG_STRING, formatLogLine, parseLogLine, wellFormedRequestId } from "../src/log-line.ts";

const at = new Date("2026-12-06T06:12:01.000Z");

test("a line is level, msg and time, then the request's ids in a fixed order, then the other fields; undefined fields are left out", () => {
  const line = formatLogLine("info", "bootstrap started", {
    organizationId: "o-1", ms: 12.5, path: "edge", workflowId: "org-bootstrap-1", skipped: undefined, requestId: "r-1", eventId: "e-1", ok: true, none: null,
  }, at);
  assert.equal(
    line,
    '{"level":"info","msg":"bootstrap started","time":"2026-12-06T06:12:01.000Z","requestId":"r-1","eventId":"e-1","workflowId":"org-bootstrap-1","path":"edge","organizationId":"o-1","ms":12.5,"ok":true,"none":null}',
  );
  assert.deepEqual(parseLogLine(line), JSON.parse(line));
});

test("a field cannot replace level, msg or time; values that are not flat are written as strings", () => {
  const record = parseLogLine(formatLogLine("warn", "m", {
    level: "debug", msg: "other", time: "yesterday", error: new TypeError("bad input"), when: at, count: 10n, list: ["a", 1], nan: Number.NaN, fn: () => 1,
  }, at))!;
  assert.deepEqual(record, {
    level: "warn", msg: "m", time: at.toISOString(), error: "TypeError: bad input", when: at.toISOString(), count: "10", list: '["a",1]', nan: "NaN",
  });
});

test("long strings are clipped, and one line stays one line", () => {
  const record = parseLogLine(formatLogLine("error", "x".repeat(5000), { stack: "Error: a\n    at b\n    at c".repeat(200) }, at))!;
  assert.equal(record.msg, `${"x".repeat(MAX_LOG_STRING)}…`);
  assert.equal((record.stack as string).length, MAX_LOG_STRING + 1);
  assert.ok(!formatLogLine("error", "a\nb", { c: "d\ne" }).includes("\n"));
});

test("never a secret: fields named like one are redacted; tokens, JWTs and email addresses inside strings are masked", () => {
  const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
  const line = formatLogLine("warn", `refused Bearer abc.def for ada@acme.test`, {
    authorization: "Bearer abc", proxyToken: "t".repeat(32), serviceRoleKey: "k", password: "p", contactEmail: "ops@acme.test", idempotencyKey: "kept",
    error: `upstream said: invalid token ${jwt}`,
  }, at);
  for (const secret of ["abc", "t".repeat(32), jwt, "ada@acme.test", "ops@acme.test"]) assert.ok(!line.includes(secret), `${secret} in ${line}`);
  assert.deepEqual(parseLogLine(line), {
    level: "warn", msg: "refused Bearer [redacted] for [email]", time: at.toISOString(),
    authorization: "[redacted]", proxyToken: "[redacted]", serviceRoleKey: "[redacted]", password: "[redacted]", contactEmail: "[redacted]", idempotencyKey: "kept",
    error: "upstream said: invalid token [jwt]",
  });
});

test("never a secret at any depth: a nested key named like one, Supabase secret keys and keys in a query string", () => {
  const line = formatLogLine("error", "config rejected", {
    config: { url: "https://x.supabase.co", nested: { serviceRoleKey: "nested-secret", apiKey: "api-secret" } },
    error: "GET https://x.supabase.co/rest/v1/t?select=*&apikey=query-secret failed with sb_secret_abcDEF123",
  }, at);
  for (const secret of ["nested-secret", "api-secret", "query-secret", "sb_secret_abcDEF123"]) assert.ok(!line.includes(secret), `${secret} in ${line}`);
  const record = parseLogLine(line)!;
  assert.equal(record.config, JSON.stringify({ url: "https://x.supabase.co", nested: { serviceRoleKey: "[redacted]", apiKey: "[redacted]" } }));
  assert.equal(record.error, "GET https://x.supabase.co/rest/v1/t?select=*&apikey=[redacted] failed with sb_secret_[redacted]");
});

test("parseLogLine returns undefined for anything that is not a line of the format", () => {
  for (const line of [
    "", "plain text", "[reconciler] started x path=realtime", "{not json}", "[1,2]", "null",
    '{"level":"info","msg":"no time"}', '{"level":"notice","msg":"m","time":"2026-12-06T06:12:01.000Z"}',
    '{"level":"info","msg":1,"time":"2026-12-06T06:12:01.000Z"}', '{"level":"info","msg":"m","time":"not a time"}',
    '{"time":"2026-12-06T06:12:01.000Z","msg":"proxy call"}',
  ]) {
    assert.equal(parseLogLine(line), undefined, line);
  }
  assert.equal(parseLogLine(' {"level":"debug","msg":"m","time":"2026-12-06T06:12:01.000Z"}\r\n')?.level, "debug", "surrounding whitespace is fine");
});

test("a request id from a caller is used only when short and plain", () => {
  assert.equal(wellFormedRequestId("4c0f8a52-1d3e-4b7a-9e6f-2a1b3c4d5e6f"), "4c0f8a52-1d3e-4b7a-9e6f-2a1b3c4d5e6f");
  assert.equal(wellFormedRequestId("req_1.a-B"), "req_1.a-B");
  for (const bad of [null, undefined, "", "a b", "a\nb", '"quoted"', "x".repeat(101), "ünï", "a,b"]) assert.equal(wellFormedRequestId(bad), undefined, String(bad));
});
