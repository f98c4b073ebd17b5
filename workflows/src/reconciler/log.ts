/**
 * The reconciler's log: one plain line per fact, `[reconciler] message key=value …`, info to stdout
 * and problems to stderr. Fields are ids, states and counts — never a key or a token.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface ReconcilerLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function format(message: string, fields: LogFields | undefined): string {
  const parts = Object.entries(fields ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "string" && /[\s"=]/.test(value) ? JSON.stringify(value) : String(value)}`);
  return `[reconciler] ${message}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}\n`;
}

export function consoleLog(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): ReconcilerLog {
  return {
    info: (message, fields) => void stdout.write(format(message, fields)),
    warn: (message, fields) => void stderr.write(format(message, fields)),
    error: (message, fields) => void stderr.write(format(message, fields)),
  };
}

/** Collects lines in memory (tests read them; nothing is printed). */
export function memoryLog(): ReconcilerLog & { readonly lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string, fields?: LogFields) => void lines.push(`${level} ${format(message, fields).trimEnd()}`);
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
