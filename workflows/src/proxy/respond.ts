/** Writing gRPC-web answers on a node:http response. */
import type { ServerResponse } from "node:http";
import { GRPC_WEB_CONTENT_TYPE } from "@org-bootstrap/shared/grpc-web/content-type.ts";
import { concatBytes } from "@org-bootstrap/shared/grpc-web/frame.ts";
import { callStatusEntries, type CallStatus } from "@org-bootstrap/shared/grpc-web/metadata.ts";
import { encodeTrailersFrame } from "@org-bootstrap/shared/grpc-web/response.ts";

/**
 * A trailers-only answer: the status in the HTTP headers and no body. Used for everything
 * the proxy refuses itself. `closeConnection` when the request body was not read, so Node
 * does not keep draining it.
 */
export function sendTrailersOnly(res: ServerResponse, httpStatus: number, status: CallStatus, options: { closeConnection?: boolean; headers?: Record<string, string> } = {}): void {
  res.writeHead(httpStatus, {
    "content-type": GRPC_WEB_CONTENT_TYPE,
    "content-length": "0",
    ...Object.fromEntries(callStatusEntries(status)),
    ...(options.closeConnection ? { connection: "close" } : {}),
    ...options.headers,
  });
  res.end();
}

/** Temporal's answer: its data frames unchanged, then its status as a gRPC-web trailers frame. */
export function sendForwarded(res: ServerResponse, data: Uint8Array, status: CallStatus): void {
  const body = concatBytes([data, encodeTrailersFrame(status)]);
  res.writeHead(200, { "content-type": GRPC_WEB_CONTENT_TYPE, "content-length": String(body.length) });
  res.end(body);
}

export function sendJson(res: ServerResponse, httpStatus: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(httpStatus, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}
