/**
 * The Edge Functions runtime's own behaviour (cold start, crashes, boot failures, timeouts, limits,
 * streaming, env), against fixture functions in functions-fixtures/ served by a separate instance of
 * the same service mounted the way the gateway mounts it, so limits can be small and boots cold.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { createClient as createSupabaseClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import { FunctionsClient } from "@supabase/functions-js";
import { loadSigningKeys, type SigningKeys } from "../src/auth/keys.ts";
import { isProcessAlive } from "../src/state.ts";
import { FUNCTIONS_ENV, startRuntime, type Runtime } from "./support/functions-runtime.ts";
import { stackEnv } from "./support/env.ts";

const env = stackEnv();

/** supabase-js as an app would build it. */
const createClient = (url: string, key: string, options: Parameters<typeof createSupabaseClient>[2] = {}) =>
  createSupabaseClient(url, key, { ...options, auth: { persistSession: false } });

interface Echo {
  pid: number;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyLength: number;
  envNames: string[];
  greeting: string | null;
  multiWord: string | null;
  supabaseUrl: string | null;
}

async function httpError(error: unknown): Promise<{ status: number; body: unknown }> {
  assert.ok(error instanceof FunctionsHttpError, `expected an HTTP error from the function, got ${String(error)}`);
  const response = error.context as Response;
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

const bootCount = (runtime: Runtime, name: string) =>
  (fs.readFileSync(path.join(runtime.dataDir, "logs", `functions-${name}.log`), "utf8").match(/^--- booted in \d+ ms/gm) ?? []).length;

describe("functions runtime", () => {
  let keys: SigningKeys;
  let runtime: Runtime;
  let supabase: SupabaseClient;

  before(async () => {
    keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    runtime = await startRuntime(keys, { idleTimeoutMs: 1500, maxBodyBytes: 256 * 1024 });
    supabase = createClient(runtime.url, env.anonKey);
  });
  after(async () => runtime?.close());

  test("concurrent first requests share one cold start, and later requests reuse the warm process", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => supabase.functions.invoke<Echo>("echo")));
    for (const { error } of results) assert.equal(error, null);
    const pids = new Set(results.map(({ data }) => data!.pid));
    assert.equal(pids.size, 1, `expected one process, got pids ${[...pids].join(", ")}`);
    const again = await supabase.functions.invoke<Echo>("echo");
    assert.equal(again.data!.pid, [...pids][0]);
    assert.equal(bootCount(runtime, "echo"), 1);
  });

  test("the function sees /<name>/<rest> with the query, the method, the body and the caller's headers", async () => {
    const { data, error } = await supabase.functions.invoke<Echo>("echo/orgs/42?tag=a%20b&x=1", {
      method: "PUT",
      body: { hello: "world" },
      headers: { "x-trace-me": "yes" },
    });
    assert.equal(error, null);
    assert.equal(data!.method, "PUT");
    assert.equal(data!.path, "/echo/orgs/42");
    assert.equal(data!.query, "?tag=a%20b&x=1");
    assert.equal(data!.headers["x-trace-me"], "yes");
    assert.equal(data!.bodyLength, JSON.stringify({ hello: "world" }).length);
    assert.equal(data!.headers["x-forwarded-proto"], "http");
  });

  test("headers the caller lists in Connection (hop-by-hop) stop at the gateway", async () => {
    // fetch refuses to send a Connection header, so this one goes through node:http.
    const req = http.request(`${runtime.functionsUrl}/echo`, { headers: { connection: "keep-alive, x-hop", "x-hop": "1", "x-kept": "1" } });
    req.end();
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    let text = "";
    for await (const chunk of res) text += chunk;
    const echo = JSON.parse(text) as Echo;
    assert.equal(echo.headers["x-kept"], "1");
    assert.equal(echo.headers["x-hop"], undefined);
  });

  test("status and response headers come back unchanged", async () => {
    const { error } = await supabase.functions.invoke("echo?status=418");
    const { status } = await httpError(error);
    assert.equal(status, 418);
    assert.equal((error as FunctionsHttpError).context.headers.get("x-echo"), "yes");
  });

  test("verify_jwt = false lets a request through untouched: the function sees the Authorization it was sent", async () => {
    const { data, error } = await supabase.functions.invoke<Echo>("echo", { headers: { Authorization: "Bearer not-a-jwt" } });
    assert.equal(error, null);
    assert.equal(data!.headers.authorization, "Bearer not-a-jwt");
  });

  test("a function without a [functions.<name>] section gets verify_jwt's default, true", async () => {
    const noToken = new FunctionsClient(runtime.functionsUrl, { headers: { apikey: env.anonKey } });
    const { error } = await noToken.invoke("guarded");
    assert.deepEqual(await httpError(error), { status: 401, body: { code: 401, message: "Missing authorization header" } });
    const withAnonKey = await supabase.functions.invoke("guarded");
    assert.equal(withAnonKey.error, null);
    assert.equal(withAnonKey.data, "guarded ok");
  });

  test("disabled functions, helper folders and bad names are unknown (404)", async () => {
    for (const name of ["disabled", "_shared", "tests", "nope", "..%2Fecho", ".env"]) {
      const { error } = await supabase.functions.invoke(name);
      assert.deepEqual(await httpError(error), { status: 404, body: { code: "NOT_FOUND", message: "Requested function was not found" } }, name);
    }
  });

  test("the function sees the injected variables and its .env secrets, nothing of the gateway's environment", async () => {
    const { data } = await supabase.functions.invoke<Echo>("echo");
    assert.deepEqual(data!.envNames, ["GREETING", "MULTI_WORD", ...Object.keys(FUNCTIONS_ENV)].sort());
    assert.equal(data!.greeting, "hello from .env");
    assert.equal(data!.multiWord, "two words");
    // .env may not override what the stack injects (a developer's .env must not redirect a test stack).
    assert.equal(data!.supabaseUrl, env.supabaseUrl);
    assert.ok(runtime.notices.some((n) => n.includes("skipping SUPABASE_SNEAKY")), runtime.notices.join("\n"));
  });

  test("request and response bodies stream both ways: the function answers before the upload ends", async () => {
    const req = http.request(`${runtime.functionsUrl}/echo/stream`, { method: "POST", headers: { "content-type": "text/plain" } });
    req.write("first;");
    req.flushHeaders();
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    assert.equal(res.statusCode, 200);
    const chunks: string[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
    await waitFor("the first chunk to come back while the upload is still open", () => chunks.join("") === "first;");
    req.end("second");
    await once(res, "end");
    assert.equal(chunks.join(""), "first;second");
  });

  test("bodies over the limit get 413, whether declared up front or streamed", async () => {
    const big = "x".repeat(256 * 1024 + 1);
    const declared = await supabase.functions.invoke("echo", { body: big });
    assert.equal((await httpError(declared.error)).status, 413);

    const req = http.request(`${runtime.functionsUrl}/echo`, { method: "POST" }); // chunked: no Content-Length
    req.on("error", () => {}); // the gateway may close the connection after answering
    const response = once(req, "response") as Promise<[http.IncomingMessage]>;
    for (let i = 0; i < 20; i++) req.write("y".repeat(32 * 1024));
    req.end();
    const [res] = await response;
    assert.equal(res.statusCode, 413);
    res.resume();
  });

  test("a function that answers before reading a large upload: each request ends with that answer or a clean failure, and the function stays warm", async () => {
    // Under the gateway's limit, over what the function accepts: the function answers at once.
    // Deno 2.1's server (the Edge Runtime's) then closes the connection without reading the rest,
    // so whether the answer or the broken upload reaches the gateway first is a race, as it is
    // for Kong in front of the Edge Runtime: the caller gets the 413, or a 502, or a reset.
    const before = (await supabase.functions.invoke<Echo>("echo")).data!.pid;
    const body = "z".repeat(200 * 1024);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      // Each on a connection of its own, so a reset cannot reach the pooled connections of later tests.
      const outcome = await new Promise<string>((resolve) => {
        const request = http.request(`${runtime.functionsUrl}/echo/refuse`, { method: "POST", agent: false, timeout: 10_000 }, (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk));
          res.on("end", () => resolve(`${res.statusCode} ${text}`));
          res.on("error", () => resolve("reset"));
        });
        request.on("timeout", () => request.destroy(new Error("no answer within 10 s")));
        request.on("error", (error: NodeJS.ErrnoException) => resolve(/ECONNRESET|EPIPE|socket hang up/.test(`${error.code} ${error.message}`) ? "reset" : `failed: ${String(error)}`));
        request.end(body);
      });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const allowed = new Set(['413 {"error":"too large"}', "reset"]);
    for (const outcome of outcomes.keys()) assert.ok(allowed.has(outcome) || /^502 \{"code":"BAD_GATEWAY"/.test(outcome), outcome);
    assert.ok((outcomes.get('413 {"error":"too large"}') ?? 0) > 0, `the answer never reached the caller: ${JSON.stringify([...outcomes])}`);
    // On a new connection: the caller's own connection may have been reset along with the upload.
    const after = await new Promise<Echo>((resolve, reject) => {
      http.get(`${runtime.functionsUrl}/echo`, { agent: false }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk));
        res.on("end", () => resolve(JSON.parse(text) as Echo));
      }).on("error", reject);
    });
    assert.equal(after.pid, before, "the function must stay warm");
  });

  test("a function silent past the idle timeout gets 504, and its request is aborted", async () => {
    const started = Date.now();
    const { error } = await supabase.functions.invoke("echo/hang?id=h1");
    assert.deepEqual(await httpError(error), { status: 504, body: { message: "The upstream server is timing out" } });
    assert.ok(Date.now() - started < 10_000);
    const log = path.join(runtime.dataDir, "logs", "functions-echo.log");
    await waitFor("the function to see the abort", () => fs.readFileSync(log, "utf8").includes("echo: request h1 aborted"));
  });

  test("a function that exits mid-request answers 500 WORKER_ERROR; the next request boots a new process", async () => {
    const before = (await supabase.functions.invoke<Echo>("echo")).data!.pid;
    const { error } = await supabase.functions.invoke("echo/exit");
    assert.deepEqual(await httpError(error), { status: 500, body: { code: "WORKER_ERROR", message: "Function exited due to an error (please check logs)" } });
    await waitFor("the crash notice", () => runtime.notices.some((n) => /^echo exited \(code 3\)/.test(n)));
    const after = await supabase.functions.invoke<Echo>("echo");
    assert.equal(after.error, null);
    assert.notEqual(after.data!.pid, before);
  });

  test("a function that fails to boot answers 503 BOOT_ERROR at once, with one line naming the cause and the log", async () => {
    const started = Date.now();
    const { error } = await supabase.functions.invoke("broken");
    assert.deepEqual(await httpError(error), { status: 503, body: { code: "BOOT_ERROR", message: "Worker failed to boot (please check logs)" } });
    assert.ok(Date.now() - started < 10_000, "a boot failure must not wait for the boot timeout");
    const notice = runtime.notices.find((n) => n.startsWith("broken failed to boot"));
    assert.ok(notice, runtime.notices.join("\n"));
    assert.match(notice, /missing-module\.ts/);
    assert.match(notice, /\(log: .*functions-broken\.log\)$/);
    assert.ok(!notice.includes("\n"));
  });

  test("close() stops every function process", async () => {
    const { data } = await supabase.functions.invoke<Echo>("echo");
    assert.ok(isProcessAlive(data!.pid));
    await runtime.service.close();
    assert.equal(isProcessAlive(data!.pid), false);
    const { error } = await supabase.functions.invoke("echo");
    assert.equal((await httpError(error)).status, 503);
  });
});

describe("functions runtime boots that never finish", () => {
  test("a function that never calls Deno.serve is stopped at the boot timeout and answers 503", async () => {
    const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    const runtime = await startRuntime(keys, { bootTimeoutMs: 1500 });
    try {
      const supabase = createClient(runtime.url, env.anonKey);
      const { error } = await supabase.functions.invoke("silent");
      assert.equal((await httpError(error)).status, 503);
      assert.ok(runtime.notices.some((n) => n.startsWith("silent failed to boot: Deno.serve was not listening within 1500 ms")), runtime.notices.join("\n"));
    } finally {
      await runtime.close();
    }
  });

  test("close() during a boot stops the booting process at once; the waiting request gets 503", async () => {
    const keys = await loadSigningKeys(env.dataDir, `${env.supabaseUrl}/auth/v1`);
    const runtime = await startRuntime(keys, { bootTimeoutMs: 60_000 });
    const supabase = createClient(runtime.url, env.anonKey);
    const started = Date.now();
    const pending = supabase.functions.invoke("silent");
    const log = path.join(runtime.dataDir, "logs", "functions-silent.log");
    await waitFor("the boot to start", () => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("booting silent"));
    await runtime.service.close();
    const { error } = await pending;
    assert.deepEqual(await httpError(error), { status: 503, body: { code: "SHUTTING_DOWN", message: "The local stack is stopping" } });
    assert.ok(Date.now() - started < 15_000, "close() must not wait for the boot timeout");
    await runtime.close();
  });
});
