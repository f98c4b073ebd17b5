/**
 * One JSON line per call, for people and log pipelines. Carries the method, workflow id,
 * outcome and time; never the token, headers or payloads.
 */
import { grpcStatusName } from "@org-bootstrap/shared/grpc-web/status.ts";

export interface CallLogEntry {
  readonly method: string;
  readonly workflowId?: string;
  readonly grpcStatus: number;
  readonly httpStatus: number;
  /** True when the call was sent to Temporal. */
  readonly forwarded: boolean;
  readonly ms: number;
  /** Why the proxy refused or failed the call. */
  readonly reason?: string;
}

export type CallLogger = (entry: CallLogEntry) => void;

const clip = (value: string, max: number) => (value.length > max ? `${value.slice(0, max)}…` : value);

export function jsonLineLogger(write: (line: string) => void = (line) => process.stdout.write(line)): CallLogger {
  return (entry) =>
    write(`${JSON.stringify({
      time: new Date().toISOString(),
      msg: "proxy call",
      method: clip(entry.method, 100),
      ...(entry.workflowId ? { workflowId: clip(entry.workflowId, 200) } : {}),
      grpcStatus: entry.grpcStatus,
      grpcCode: grpcStatusName(entry.grpcStatus),
      httpStatus: entry.httpStatus,
      forwarded: entry.forwarded,
      ms: Math.round(entry.ms * 10) / 10,
      ...(entry.reason ? { reason: clip(entry.reason, 300) } : {}),
    })}\n`);
}
