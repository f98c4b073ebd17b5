/**
 * Temporal's gRPC frontend over one lazily opened HTTP/2 session. The session is opened
 * on the first call, not at startup, and forgotten on error, GOAWAY or close, so the
 * proxy starts before Temporal and survives Temporal restarts: a call while Temporal is
 * down answers UNAVAILABLE, and the next call after it is back opens a fresh session.
 */
import http2 from "node:http2";
import { GRPC_CONTENT_TYPE } from "@org-bootstrap/shared/grpc-web/content-type.ts";
import { encodeFrame } from "@org-bootstrap/shared/grpc-web/frame.ts";
import { readCallStatus, type CallStatus } from "@org-bootstrap/shared/grpc-web/metadata.ts";
import { GrpcStatus, grpcStatusFromHttpStatus } from "@org-bootstrap/shared/grpc-web/status.ts";

export interface UpstreamTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly serverName?: string;
}

export interface UpstreamOptions {
  /** host:port of Temporal's gRPC frontend. */
  readonly address: string;
  readonly namespace: string;
  /** TLS to Temporal (required by Temporal Cloud); plaintext when absent. */
  readonly tls?: UpstreamTls;
  /** Temporal Cloud API key, sent as `authorization: Bearer` with `temporal-namespace`. */
  readonly apiKey?: string;
  readonly maxResponseBytes: number;
}

export interface UpstreamResult {
  /** The response's gRPC data frames, unchanged. */
  readonly data: Uint8Array;
  readonly status: CallStatus;
  /** Why the call failed before Temporal answered (for the log; never sent to callers). */
  readonly transportError?: string;
}

const IDLE_SESSION_MS = 5 * 60_000;

export class TemporalUpstream {
  private session: http2.ClientHttp2Session | undefined;
  private readonly extraHeaders: Record<string, string>;

  constructor(private readonly options: UpstreamOptions) {
    this.extraHeaders = options.apiKey
      ? { authorization: `Bearer ${options.apiKey}`, "temporal-namespace": options.namespace }
      : {};
  }

  private currentSession(): http2.ClientHttp2Session {
    const existing = this.session;
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const { tls } = this.options;
    const session = http2.connect(`${tls ? "https" : "http"}://${this.options.address}`, {
      ...(tls?.ca ? { ca: tls.ca } : {}),
      ...(tls?.cert ? { cert: tls.cert } : {}),
      ...(tls?.key ? { key: tls.key } : {}),
      ...(tls?.serverName ? { servername: tls.serverName } : {}),
    });
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // Without an error listener a refused connection would crash the process.
    session.on("error", forget);
    session.on("goaway", forget);
    session.on("close", forget);
    session.setTimeout(IDLE_SESSION_MS, () => session.close());
    this.session = session;
    return session;
  }

  /** One unary call. Never rejects: every failure is a status. */
  call(path: string, message: Uint8Array, deadlineMs: number): Promise<UpstreamResult> {
    return new Promise((resolve) => {
      let settled = false;
      const chunks: Buffer[] = [];
      let size = 0;
      let responseHeaders: http2.IncomingHttpHeaders | undefined;
      let trailers: http2.IncomingHttpHeaders | undefined;
      let stream: http2.ClientHttp2Stream;

      const finish = (result: UpstreamResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const failed = (code: CallStatus["code"], message: string, transportError: string) =>
        finish({ data: new Uint8Array(0), status: { code, message }, transportError });

      const timer = setTimeout(() => {
        failed(GrpcStatus.DEADLINE_EXCEEDED, `Temporal did not answer within ${deadlineMs} ms`, "deadline");
        stream?.close(http2.constants.NGHTTP2_CANCEL);
      }, deadlineMs);

      try {
        stream = this.currentSession().request({
          ":method": "POST",
          ":path": path,
          "content-type": GRPC_CONTENT_TYPE,
          te: "trailers",
          "grpc-timeout": `${deadlineMs}m`,
          ...this.extraHeaders,
        });
      } catch (error) {
        failed(GrpcStatus.UNAVAILABLE, "Temporal is unavailable", (error as Error).message);
        return;
      }
      stream.on("response", (headers) => { responseHeaders = headers; });
      stream.on("trailers", (headers) => { trailers = headers; });
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.options.maxResponseBytes) {
          failed(GrpcStatus.RESOURCE_EXHAUSTED, `Temporal's response exceeds ${this.options.maxResponseBytes} bytes`, "response too large");
          stream.close(http2.constants.NGHTTP2_CANCEL);
          return;
        }
        chunks.push(chunk);
      });
      stream.on("error", (error: Error & { code?: string }) => {
        failed(GrpcStatus.UNAVAILABLE, "Temporal is unavailable", error.code ?? error.message);
      });
      stream.on("close", () => {
        const source = trailers ?? responseHeaders;
        const status = source?.["grpc-status"];
        if (source && status !== undefined) {
          const get = (name: string) => {
            const value = source[name];
            return Array.isArray(value) ? value.join(",") : value;
          };
          finish({ data: Buffer.concat(chunks), status: readCallStatus(get) });
          return;
        }
        const httpStatus = Number(responseHeaders?.[":status"] ?? 0);
        if (httpStatus && httpStatus !== 200) {
          failed(grpcStatusFromHttpStatus(httpStatus), `Temporal answered HTTP ${httpStatus}`, `http ${httpStatus}`);
          return;
        }
        failed(GrpcStatus.UNAVAILABLE, "Temporal closed the call without a status", `stream closed, rst code ${stream.rstCode ?? "none"}`);
      });
      stream.end(encodeFrame(message));
    });
  }

  close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session || session.closed || session.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => { session.destroy(); resolve(); }, 2_000);
      session.close(() => { clearTimeout(timer); resolve(); });
    });
  }
}
