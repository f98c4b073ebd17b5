/**
 * The Temporal SDK's log (the worker's own, the Rust core's, and workflow and activity `log` calls)
 * as the shared JSON line, so the worker writes one format. Runtime.install takes it as its logger.
 * The SDK's metadata becomes fields: a workflow's lines carry its `workflowId`, `runId`, `workflowType`.
 */
import type { LogLevel as SdkLogLevel } from "@temporalio/common";
import { DefaultLogger, type LogEntry } from "@temporalio/worker";
import { formatLogLine, type LogLevel } from "@org-bootstrap/shared/log-line.ts";
import { writeLogLine } from "../observability/log-output.ts";

const LEVELS: Readonly<Record<SdkLogLevel, LogLevel>> = { TRACE: "debug", DEBUG: "debug", INFO: "info", WARN: "warn", ERROR: "error" };

/**
 * One SDK log entry as a line (without its newline), at the entry's own time. An error in the
 * metadata (a failed workflow task or activity) keeps its stack trace, as its own field.
 */
export function sdkLogLine(entry: LogEntry): string {
  const meta = entry.meta ?? {};
  const error = Object.values(meta).find((value): value is Error => value instanceof Error);
  const fields = error?.stack ? { ...meta, stack: error.stack } : meta;
  return formatLogLine(LEVELS[entry.level], entry.message, fields, new Date(Number(entry.timestampNanos / 1_000_000n)));
}

/** A logger for Runtime.install: entries at `level` and above, info to stdout and problems to stderr. */
export function sdkLogger(level: SdkLogLevel, write: (level: LogLevel, line: string) => void = writeLogLine): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(LEVELS[entry.level], sdkLogLine(entry)));
}
