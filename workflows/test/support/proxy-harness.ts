/**
 * Shared by the proxy suites: an in-process proxy on a free port with a random token,
 * a real @temporalio/client for checking what reached Temporal, and a raw gRPC-web call
 * for sending what the well-behaved client never would.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Client, Connection, WorkflowNotFoundError } from "@temporalio/client";
import { encodeFrame } from "@org-bootstrap/shared/grpc-web/frame.ts";
import { parseGrpcWebResponse } from "@org-bootstrap/shared/grpc-web/response.ts";
import { workflowServicePath } from "@org-bootstrap/shared/temporal/proto.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { stackEnv } from "../../../supabase/local/test/support/env.ts";
import { jsonLineLogger } from "../../src/proxy/call-log.ts";
import { startProxy, type ProxyOptions, type RunningProxy } from "../../src/proxy/server.ts";

/** One parsed line of the proxy's call log. */
export type LogLine = Record<string, unknown>;

export interface TestProxy {
  readonly proxy: RunningProxy;
  readonly token: string;
  /** The proxy's log lines exactly as it writes them, and parsed. */
  readonly rawLogs: string[];
  readonly logs: LogLine[];
}

export async function startTestProxy(overrides: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const env = stackEnv();
  const token = randomBytes(32).toString("hex");
  const rawLogs: string[] = [];
  const logs: LogLine[] = [];
  const proxy = await startProxy({
    temporalAddress: env.temporalAddress,
    namespace: env.temporalNamespace,
    token,
    port: 0,
    log: jsonLineLogger((line) => {
      rawLogs.push(line);
      logs.push(JSON.parse(line) as LogLine);
    }),
    ...overrides,
  });
  return { proxy, token, rawLogs, logs };
}

export async function connectTemporal(address = stackEnv().temporalAddress): Promise<Client & { close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: stackEnv().temporalNamespace });
  return Object.assign(client, { close: () => connection.close() });
}

/** A fresh bootstrap workflow id, so suites sharing one Temporal never collide. */
export const freshWorkflowId = (): string => bootstrapWorkflowId(randomUUID());

/** True when Temporal has no workflow with this id: proof a refused start never reached it. */
export async function workflowExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** Terminates what a test started; a workflow already closed is fine. */
export async function terminateAll(client: Client, workflowIds: Iterable<string>): Promise<void> {
  for (const id of workflowIds) {
    await client.workflow.getHandle(id).terminate("test cleanup").catch(() => {});
  }
}

export interface RawAnswer {
  readonly httpStatus: number;
  readonly grpcStatus: number;
  /** Decoded grpc-message. */
  readonly grpcMessage: string;
  readonly body: Uint8Array;
}

/** A gRPC-web POST with any body and headers, for requests the real client never sends. */
export async function rawCall(
  url: string,
  method: string,
  options: { token?: string; message?: Uint8Array; body?: Uint8Array; headers?: Record<string, string>; httpMethod?: string; path?: string },
): Promise<RawAnswer> {
  const body = options.body ?? (options.message ? encodeFrame(options.message) : undefined);
  const response = await fetch(`${url}${options.path ?? workflowServicePath(method)}`, {
    method: options.httpMethod ?? "POST",
    headers: {
      "content-type": "application/grpc-web+proto",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}),
  });
  const responseBody = new Uint8Array(await response.arrayBuffer());
  // Trailers-only answers carry the status in headers; forwarded ones in the trailers frame.
  const { status } = parseGrpcWebResponse({ httpStatus: response.status, headers: (name) => response.headers.get(name), body: responseBody });
  return { httpStatus: response.status, grpcStatus: status.code, grpcMessage: status.message, body: responseBody };
}
