/**
 * The services' log lines for a person at `npm start`: a line in the shared format
 * (shared/src/log-line.ts) becomes `06:12:01 info  worker  started org-bootstrap-…  path=realtime …`
 * (local time, level, which service, message, then the ids that follow a request, then the other
 * fields); any other line (a stack trace, Deno's boot lines) is left as it is. The log files keep
 * the JSON lines, for grep.
 */
import { LOG_CORE_KEYS, LOG_CORRELATION_KEYS, parseLogLine } from "@org-bootstrap/shared/log-line.ts";

export interface PrettyOptions {
  /** ANSI colours for the level (a terminal that shows them). */
  readonly color?: boolean;
  /** The service column's width (longer names are not cut). */
  readonly sourceWidth?: number;
}

const COLORS = { debug: "\x1b[2m", info: "\x1b[36m", warn: "\x1b[33m", error: "\x1b[31m" } as const;
const RESET = "\x1b[0m";

const two = (n: number) => String(n).padStart(2, "0");

function clock(time: string): string {
  const date = new Date(time);
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** Control characters shown as escapes, so a logged value can neither start a new line nor colour the terminal. */
const visible = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** key=value, the value quoted when it has a space, a quote or an equals sign (JSON for anything not flat). */
function pair(key: string, value: unknown): string {
  if (typeof value === "object" && value !== null) return `${visible(key)}=${visible(JSON.stringify(value))}`;
  const text = typeof value === "string" && (value === "" || /[\s"=]/.test(value)) ? JSON.stringify(value) : String(value);
  return `${visible(key)}=${visible(text)}`;
}

/** `line` for a person, or `line` unchanged when it is not a line of the shared format. */
export function prettyLogLine(line: string, source: string, options: PrettyOptions = {}): string {
  const record = parseLogLine(line);
  if (!record) return line;
  const skip = new Set<string>([...LOG_CORE_KEYS, ...LOG_CORRELATION_KEYS]);
  const fields = [
    ...LOG_CORRELATION_KEYS.filter((key) => record[key] !== undefined).map((key) => pair(key, record[key])),
    ...Object.entries(record).filter(([key, value]) => !skip.has(key) && value !== undefined).map(([key, value]) => pair(key, value)),
  ];
  const level = record.level.padEnd(5);
  const shownLevel = options.color ? `${COLORS[record.level]}${level}${RESET}` : level;
  const head = `${clock(record.time)} ${shownLevel} ${source.padEnd(options.sourceWidth ?? 6)}  ${visible(record.msg)}`;
  return fields.length > 0 ? `${head}  ${fields.join(" ")}` : head;
}
