import { formatLogLine, type LogLevel } from "@org-bootstrap/shared/log-line.ts";

/**
 * The functions' log: the shared JSON line (shared/src/log-line.ts), which Supabase's function logs
 * index, with the request's `requestId` (and its event and workflow ids once known). Never tokens or
 * form contents.
 */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Writes each line through `write` (by default console.log for info, console.warn and console.error for the others). */
export function jsonLineLog(write: (level: LogLevel, line: string) => void = writeToConsole): Log {
  return {
    info: (message, fields) => write("info", formatLogLine("info", message, fields)),
    warn: (message, fields) => write("warn", formatLogLine("warn", message, fields)),
    error: (message, fields) => write("error", formatLogLine("error", message, fields)),
  };
}

function writeToConsole(level: LogLevel, line: string): void {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const jsonLog: Log = jsonLineLog();
