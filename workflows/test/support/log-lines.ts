/** Reading a process's output in the shared log format (shared/src/log-line.ts). */
import { parseLogLine, type LogRecord } from "@org-bootstrap/shared/log-line.ts";

/** Every line of `output` that is a log line, parsed, in order; other lines are skipped. */
export function logLines(output: string): LogRecord[] {
  return output.split("\n").map(parseLogLine).filter((record): record is LogRecord => record !== undefined);
}

/** The first log line of `output` whose msg is `msg`. */
export function logLine(output: string, msg: string): LogRecord | undefined {
  return logLines(output).find((record) => record.msg === msg);
}
