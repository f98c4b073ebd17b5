import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { setTimeout as delay } from "node:timers/promises";
import { HOST } from "../../config.ts";
import { functionErrors } from "./responses.ts";
import type { RunningFunction } from "./runner.ts";

export interface ProxyLimits {
  /** Requests with larger bodies get 413 (checked on Content-Length and while streaming). */
  readonly maxBodyBytes: number;
  /** The function may stay silent this long (Kong's read_timeout in the Supabase CLI: 150 s). */
  readonly idleTimeoutMs: number;
}

/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = new Set(String(headers.connection ?? "").split(",").map((h) => h.trim().toLowerCase()));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !listed.has(name)) out[name] = value;
  }
  return out;
}

/**
 * Streams one request to a function's process and its response back: method, path, end-to-end
 * headers and status preserved, bodies streamed both ways (a function can answer before the
 * upload ends). Resolves when the exchange is over, whichever way it ended.
 */
export function proxyToFunction(
  req: IncomingMessage,
  res: ServerResponse,
  target: RunningFunction,
  pathAndQuery: string,
  limits: ProxyLimits,
): Promise<void> {
  const declared = Number(req.headers["content-length"] ?? 0);
  // Node's server discards whatever the caller still uploads after the answer (closing instead
  // would reset the connection before a client reads the 413).
  if (declared > limits.maxBodyBytes) {
    functionErrors.tooLarge(res, limits.maxBodyBytes);
    return Promise.resolve();
  }

  const headers = endToEnd(req.headers);
  const forwardedFor = [req.headers["x-forwarded-for"], req.socket.remoteAddress].filter(Boolean).join(", ");
  if (forwardedFor) headers["x-forwarded-for"] = forwardedFor;
  headers["x-forwarded-proto"] = "http";
  if (req.headers.host) headers["x-forwarded-host"] = req.headers.host;

  return new Promise<void>((resolve) => {
    let failure: "too-large" | "timeout" | undefined;
    const upstream = http.request({ host: HOST, port: target.port, method: req.method, path: pathAndQuery, headers, agent: target.agent });
    upstream.setTimeout(limits.idleTimeoutMs, () => {
      failure = "timeout";
      upstream.destroy(new Error(`the function sent nothing for ${limits.idleTimeoutMs} ms`));
    });

    upstream.on("response", (response) => {
      res.writeHead(response.statusCode ?? 502, response.statusMessage, endToEnd(response.headers));
      pipeline(response, res).catch(() => res.destroy()).finally(resolve);
    });
    upstream.on("error", (error) => void answerFailure(error).finally(resolve));

    async function answerFailure(error: Error): Promise<void> {
      if (res.headersSent) {
        res.destroy(); // mid-response: the caller sees a truncated body, as with a real proxy
        return;
      }
      if (failure === "too-large") return functionErrors.tooLarge(res, limits.maxBodyBytes);
      if (failure === "timeout") return functionErrors.timeout(res);
      if (res.destroyed) return; // the caller left first
      // A broken connection almost always means the process died; wait (bounded) for it to be reaped.
      await Promise.race([target.exited, delay(1000, undefined, { ref: false })]);
      if (!target.alive) return functionErrors.workerError(res);
      res.writeHead(502, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ code: "BAD_GATEWAY", message: `could not reach the function: ${error.message}` }));
    }

    // Request body, counted as it streams; backpressure from the function pauses the caller.
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (failure) return;
      size += chunk.length;
      if (size > limits.maxBodyBytes) {
        failure = "too-large";
        upstream.destroy(new Error("request body too large"));
        req.resume(); // it may be paused by backpressure; the rest is discarded
        return;
      }
      if (!upstream.write(chunk)) req.pause();
    });
    upstream.on("drain", () => req.resume());
    req.on("end", () => {
      if (!failure) upstream.end();
    });
    // The caller hung up: abort the function's request so its `req.signal` fires.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
  });
}
