import type { LogLevel } from "@org-bootstrap/shared/log-line.ts";

export interface LogStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Writes one log line of the worker or the proxy: problems (warn, error) to stderr, the rest to stdout. */
export function writeLogLine(level: LogLevel, line: string, streams: LogStreams = process): void {
  (level === "warn" || level === "error" ? streams.stderr : streams.stdout).write(`${line}\n`);
}
