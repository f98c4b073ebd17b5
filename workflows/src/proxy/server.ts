/**
 * The thin gRPC-web → gRPC proxy: HTTP/1.1 gRPC-web in (from the edge function's fetch),
 * HTTP/2 gRPC out to Temporal. It is reachable from the internet, so everything is refused
 * unless it is an authenticated, allowlisted unary call (see policy.ts), and every input
 * has a size and time limit.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isGrpcWebProto } from "@org-bootstrap/shared/grpc-web/content-type.ts";
import { FrameError } from "@org-bootstrap/shared/grpc-web/frame.ts";
import type { CallStatus } from "@org-bootstrap/shared/grpc-web/metadata.ts";
import { decodeUnaryRequest } from "@org-bootstrap/shared/grpc-web/request.ts";
import { GrpcStatus } from "@org-bootstrap/shared/grpc-web/status.ts";
import { REQUEST_ID_HEADER, wellFormedRequestId } from "@org-bootstrap/shared/log-line.ts";
import { WORKFLOW_SERVICE, workflowServicePath } from "@org-bootstrap/shared/temporal/proto.ts";
import { createTokenCheck } from "./auth.ts";
import { jsonLineLogger, proxyLog, type CallLogEntry, type CallLogger } from "./call-log.ts";
import { parseGrpcTimeout } from "./grpc-timeout.ts";
import { checkRequest, isProxiedMethod, triggerPolicy, type ProxyPolicy } from "./policy.ts";
import { sendForwarded, sendJson, sendTrailersOnly } from "./respond.ts";
import { TemporalUpstream, type UpstreamTls } from "./upstream.ts";

export interface ProxyOptions {
  /** host:port of Temporal's gRPC frontend. */
  readonly temporalAddress: string;
  readonly namespace: string;
  /** Callers must send `Authorization: Bearer <token>`. */
  readonly token: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly tls?: UpstreamTls;
  readonly apiKey?: string;
  /** Defaults to the policy of every declared workflow trigger (WORKFLOW_TRIGGERS) for `namespace`. */
  readonly policy?: ProxyPolicy;
  readonly maxBodyBytes?: number;
  /** Whole request (headers and body) must arrive within this: a slowloris bound. */
  readonly requestTimeoutMs?: number;
  /** Upper bound on a call to Temporal; a shorter `grpc-timeout` from the caller wins. */
  readonly upstreamTimeoutMs?: number;
  readonly log?: CallLogger;
}

export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const PROXY_DEFAULTS = {
  host: "127.0.0.1",
  maxBodyBytes: 256 * 1024,
  requestTimeoutMs: 10_000,
  upstreamTimeoutMs: 10_000,
  maxResponseBytes: 4 * 1024 * 1024,
} as const;

const SERVICE_PREFIX = `/${WORKFLOW_SERVICE}/`;

class BodyTooLarge extends Error {}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const maxBodyBytes = options.maxBodyBytes ?? PROXY_DEFAULTS.maxBodyBytes;
  const requestTimeoutMs = options.requestTimeoutMs ?? PROXY_DEFAULTS.requestTimeoutMs;
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? PROXY_DEFAULTS.upstreamTimeoutMs;
  const policy = options.policy ?? triggerPolicy(options.namespace);
  const log = options.log ?? jsonLineLogger();
  const tokenMatches = createTokenCheck(options.token);
  const upstream = new TemporalUpstream({
    address: options.temporalAddress,
    namespace: options.namespace,
    maxResponseBytes: PROXY_DEFAULTS.maxResponseBytes,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    if (path === "/healthz") {
      if (req.method === "GET" || req.method === "HEAD") sendJson(res, 200, { status: "ok" });
      else sendJson(res, 405, { error: "use GET" });
      return;
    }
    const method = path.startsWith(SERVICE_PREFIX) ? path.slice(SERVICE_PREFIX.length) : path;
    // The caller's request id (the edge function sends its own), so one grep follows a request here.
    const requestId = wellFormedRequestId(req.headers[REQUEST_ID_HEADER] as string | undefined);
    const logCall = (entry: Omit<CallLogEntry, "method" | "ms" | "requestId">) =>
      log({ method, ms: performance.now() - startedAt, ...(requestId ? { requestId } : {}), ...entry });
    let workflowId: string | undefined;
    const refuse = (httpStatus: number, status: CallStatus, closeConnection: boolean, headers: Record<string, string> = {}) => {
      sendTrailersOnly(res, httpStatus, status, { closeConnection, headers });
      logCall({ grpcStatus: status.code, httpStatus, forwarded: false, reason: status.message, ...(workflowId ? { workflowId } : {}) });
    };

    // Authentication first: an unauthenticated caller learns nothing about what is allowed.
    if (!tokenMatches(req.headers)) {
      refuse(401, { code: GrpcStatus.UNAUTHENTICATED, message: "missing or invalid bearer token" }, true, { "www-authenticate": "Bearer" });
      return;
    }
    if (req.method !== "POST") return refuse(405, { code: GrpcStatus.UNIMPLEMENTED, message: "gRPC-web calls use POST" }, true);
    if (!path.startsWith(SERVICE_PREFIX)) return refuse(404, { code: GrpcStatus.UNIMPLEMENTED, message: "unknown path" }, true);
    if (!isProxiedMethod(method)) {
      return refuse(200, { code: GrpcStatus.UNIMPLEMENTED, message: `${method} is not available through this proxy` }, true);
    }
    if (!isGrpcWebProto(req.headers["content-type"])) {
      return refuse(415, { code: GrpcStatus.INVALID_ARGUMENT, message: "content-type must be application/grpc-web+proto" }, true);
    }
    const tooLarge = () =>
      refuse(413, { code: GrpcStatus.RESOURCE_EXHAUSTED, message: `request body exceeds ${maxBodyBytes} bytes` }, true);
    if (Number(req.headers["content-length"] ?? 0) > maxBodyBytes) return tooLarge();

    let body: Uint8Array;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return tooLarge();
      // The caller went away, or Node cut a too-slow request (requestTimeout) and answered 408.
      logCall({ grpcStatus: GrpcStatus.CANCELLED, httpStatus: 0, forwarded: false, reason: "request body not received" });
      res.destroy();
      return;
    }
    let message: Uint8Array;
    try {
      message = decodeUnaryRequest(body, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      return refuse(200, { code: GrpcStatus.INVALID_ARGUMENT, message: `malformed gRPC-web request: ${error.message}` }, false);
    }
    const verdict = checkRequest(method, message, policy);
    if (!verdict.ok) {
      workflowId = verdict.workflowId;
      return refuse(200, { code: verdict.code, message: verdict.reason }, false);
    }
    workflowId = verdict.workflowId;

    const callerDeadline = parseGrpcTimeout(req.headers["grpc-timeout"] as string | undefined);
    const deadline = Math.min(upstreamTimeoutMs, callerDeadline ?? upstreamTimeoutMs);
    const result = await upstream.call(workflowServicePath(method), verdict.message, deadline);
    sendForwarded(res, result.data, result.status);
    logCall({
      workflowId, grpcStatus: result.status.code, httpStatus: 200, forwarded: true,
      ...(verdict.eventId ? { eventId: verdict.eventId } : {}),
      ...(verdict.trigger ? { trigger: verdict.trigger } : {}),
      ...(result.transportError ? { reason: result.transportError } : {}),
    });
  }

  const server = http.createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(requestTimeoutMs, 10_000),
      // How often Node enforces the two timeouts above (default 30 s would let them overrun).
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        proxyLog("error", "unexpected error", { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), stack: (error as Error).stack });
        if (!res.headersSent) sendTrailersOnly(res, 500, { code: GrpcStatus.INTERNAL, message: "internal proxy error" }, { closeConnection: true });
        else res.destroy();
      });
    },
  );
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? PROXY_DEFAULTS.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        // Finish calls in flight, refuse new ones; cut stragglers after a grace period.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), upstreamTimeoutMs + 1_000);
        await closed;
        clearTimeout(grace);
        await upstream.close();
      })();
      return closing;
    },
  };
}
