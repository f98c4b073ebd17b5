/**
 * The proxy's log, in the shared line format (shared/src/log-line.ts): one line per call, for people
 * and log pipelines, with the caller's request id, the workflow and event ids, the outcome and the
 * time; never the token, other headers or payloads. Its other lines (listening, stopping, an
 * unexpected error) use the same format.
 */
import { GrpcStatus, grpcStatusName } from "@org-bootstrap/shared/grpc-web/status.ts";
import { formatLogLine, type LogLevel } from "@org-bootstrap/shared/log-line.ts";
import { writeLogLine } from "../observability/log-output.ts";

export interface CallLogEntry {
  readonly method: string;
  /** The caller's `x-request-id` (the edge function's request id), when well-formed. */
  readonly requestId?: string;
  readonly workflowId?: string;
  /** A start's event id and trigger, from its checked input. */
  readonly eventId?: string;
  readonly trigger?: string;
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

/** Answers a caller expects: a start that finds its workflow already there, a describe of one not started yet. */
const EXPECTED = new Set<number>([GrpcStatus.OK, GrpcStatus.ALREADY_EXISTS, GrpcStatus.NOT_FOUND]);

/** info for a call Temporal answered as expected; warn for a refusal or a failure. */
export function callLevel(entry: CallLogEntry): LogLevel {
  return entry.forwarded && EXPECTED.has(entry.grpcStatus) ? "info" : "warn";
}

export function jsonLineLogger(write: (line: string) => void = (line) => process.stdout.write(line)): CallLogger {
  return (entry) =>
    write(`${formatLogLine(callLevel(entry), "proxy call", {
      requestId: entry.requestId,
      eventId: entry.eventId,
      workflowId: entry.workflowId ? clip(entry.workflowId, 200) : undefined,
      trigger: entry.trigger,
      method: clip(entry.method, 100),
      grpcStatus: entry.grpcStatus,
      grpcCode: grpcStatusName(entry.grpcStatus),
      httpStatus: entry.httpStatus,
      forwarded: entry.forwarded,
      ms: Math.round(entry.ms * 10) / 10,
      reason: entry.reason ? clip(entry.reason, 300) : undefined,
    })}\n`);
}

/** One of the proxy's other lines: info to stdout, problems to stderr. */
export function proxyLog(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
  writeLogLine(level, formatLogLine(level, message, fields));
}
