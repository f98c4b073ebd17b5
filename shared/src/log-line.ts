/**
 * The one log line of every service: the edge functions (Deno), the proxy and the worker (Node).
 * A line is one JSON object: `level`, `msg` and `time` (ISO 8601) first, then the ids that follow a
 * request from service to service where the writer knows them (`requestId`, `eventId`, `workflowId`,
 * `trigger`, `path`), then any other field (`organizationId`, `method`, `grpcStatus`, `ms`, …).
 * So `grep '"workflowId":"org-bootstrap-<id>"'` finds a request's lines in all three services' logs.
 *
 * Never a secret: writers pass ids, states and counts. As a second line of defence, a field named
 * like a secret is written as "[redacted]", and bearer tokens, JWTs and email addresses inside any
 * string are masked. Runtime-neutral: Deno and Node both import this file.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every line has these, in this order. */
export const LOG_CORE_KEYS = ["level", "msg", "time"] as const;
/** The ids that follow one request across the services, written right after the core keys when known. */
export const LOG_CORRELATION_KEYS = ["requestId", "eventId", "workflowId", "trigger", "path"] as const;

export type LogValue = string | number | boolean | null;

/** One parsed line. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly msg: string;
  readonly time: string;
  readonly requestId?: string;
  readonly eventId?: string;
  readonly workflowId?: string;
  readonly trigger?: string;
  readonly path?: string;
  readonly [key: string]: LogValue | undefined;
}

/** A string longer than this (the message or a field) is cut and ends in "…": a line stays readable and bounded. */
export const MAX_LOG_STRING = 1000;

/**
 * A request id a service accepts from its caller (`x-request-id`, Supabase's `sb-request-id`): short,
 * and only characters that need no quoting in a log or a header. Anything else is replaced by a new id.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
/** The header that carries the request id from the edge function to the proxy. */
export const REQUEST_ID_HEADER = "x-request-id";

export function wellFormedRequestId(value: string | null | undefined): string | undefined {
  return typeof value === "string" && REQUEST_ID_PATTERN.test(value) ? value : undefined;
}

const SECRET_KEY = /authorization|cookie|passw(or)?d|secret|token|api[-_]?key|service[-_]?role|private[-_]?key|e-?mail/i;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** Supabase's secret API keys (`sb_secret_…`) and a key or token passed in a query string. */
const SUPABASE_SECRET_KEY = /\bsb_secret_[A-Za-z0-9_-]+/g;
const QUERY_SECRET = /([?&](?:apikey|api_key|token|access_token|key)=)[^&\s"]+/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

const clip = (text: string): string => (text.length > MAX_LOG_STRING ? `${text.slice(0, MAX_LOG_STRING)}…` : text);

/** A string as it may be written: secrets inside it masked, then clipped. */
function safeString(text: string): string {
  return clip(
    text
      .replace(BEARER, "Bearer [redacted]")
      .replace(JWT, "[jwt]")
      .replace(SUPABASE_SECRET_KEY, "sb_secret_[redacted]")
      .replace(QUERY_SECRET, "$1[redacted]")
      .replace(EMAIL, "[email]"),
  );
}

/** JSON.stringify's replacer for a nested value: a key named like a secret is redacted at every depth. */
function redactNested(this: unknown, key: string, value: unknown): unknown {
  return key !== "" && SECRET_KEY.test(key) ? "[redacted]" : value;
}

/** A field's value as written, or undefined to leave the field out. Lines are flat: anything else becomes a string. */
function logValue(value: unknown): LogValue | undefined {
  switch (typeof value) {
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    case "string":
      return safeString(value);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Error) return safeString(`${value.name}: ${value.message}`);
  try {
    return safeString(JSON.stringify(value, redactNested) ?? String(value));
  } catch {
    return safeString(String(value));
  }
}

/**
 * One line, without its newline: `{"level":…,"msg":…,"time":…,<correlation ids>,<other fields>}`.
 * Undefined fields are left out; a field may not replace `level`, `msg` or `time`.
 */
export function formatLogLine(level: LogLevel, msg: string, fields: Readonly<Record<string, unknown>> = {}, time: Date = new Date()): string {
  const record: Record<string, LogValue> = { level, msg: safeString(msg), time: time.toISOString() };
  const keys = [
    ...LOG_CORRELATION_KEYS.filter((key) => Object.hasOwn(fields, key)),
    ...Object.keys(fields).filter((key) => !(LOG_CORRELATION_KEYS as readonly string[]).includes(key)),
  ];
  for (const key of keys) {
    if ((LOG_CORE_KEYS as readonly string[]).includes(key)) continue;
    const value = logValue(fields[key]);
    if (value === undefined) continue;
    record[key] = SECRET_KEY.test(key) ? "[redacted]" : value;
  }
  return JSON.stringify(record);
}

const isLevel = (value: unknown): value is LogLevel => (LOG_LEVELS as readonly unknown[]).includes(value);

/** The record a line holds, or undefined when it is not a line of this format (a stack trace, a third party's line). */
export function parseLogLine(line: string): LogRecord | undefined {
  const text = line.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (!isLevel(record.level) || typeof record.msg !== "string" || typeof record.time !== "string") return undefined;
  if (Number.isNaN(Date.parse(record.time))) return undefined;
  return record as LogRecord;
}
