/**
 * The worker's log (the reconciler's facts, and the worker's own lines): the shared JSON line
 * (shared/src/log-line.ts) with `workflowId`, `eventId`, `trigger` and `path` where known; info to
 * stdout and problems to stderr. Fields are ids, states and counts — never a key or a token.
 */
import { formatLogLine, type LogLevel } from "@org-bootstrap/shared/log-line.ts";
import { writeLogLine } from "../observability/log-output.ts";

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface ReconcilerLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function consoleLog(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): ReconcilerLog {
  const write = (level: LogLevel) => (message: string, fields?: LogFields) => writeLogLine(level, formatLogLine(level, message, fields), { stdout, stderr });
  return { info: write("info"), warn: write("warn"), error: write("error") };
}

/** `message key=value …`: how memoryLog keeps a line, for tests to match with a regex. */
function plainLine(message: string, fields: LogFields | undefined): string {
  const parts = Object.entries(fields ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "string" && /[\s"=]/.test(value) ? JSON.stringify(value) : String(value)}`);
  return `[reconciler] ${message}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}`;
}

/** Collects lines in memory as `level [reconciler] message key=value …` (tests read them; nothing is printed). */
export function memoryLog(): ReconcilerLog & { readonly lines: string[] } {
  const lines: string[] = [];
  const push = (level: LogLevel) => (message: string, fields?: LogFields) => void lines.push(`${level} ${plainLine(message, fields)}`);
  return { lines, info: push("info"), warn: push("warn"), error: push("error") };
}

/** The message and its causes' (`Failed to start Workflow: 14 UNAVAILABLE: …`): the SDK's own message alone says little. */
export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    if (!(e instanceof Error)) break;
  }
  return parts.join(": ");
}
