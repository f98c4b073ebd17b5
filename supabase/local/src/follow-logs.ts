import fs from "node:fs";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { prettyLogLine } from "./pretty-log.ts";

/**
 * What `npm start` shows of the services once the stack is up: the lines the edge functions, the
 * proxy and the worker write to their log files under <dataDir>/logs from now on, pretty-printed
 * (pretty-log.ts). The children write to files, not to this terminal, so tests and the chaos suite
 * read the same logs and a child never blocks on a full pipe; this follows the files by polling.
 */
export interface LogFollower {
  /** Prints what was written since the last poll, then stops. */
  stop(): void;
}

/** The service a log file belongs to, or undefined for files that are not one of the three (Postgres, Temporal). */
export function serviceOfLogFile(fileName: string): string | undefined {
  if (fileName === "temporal-proxy.log") return "proxy";
  if (fileName === "worker.log") return "worker";
  return /^functions-(.+)\.log$/.exec(fileName)?.[1];
}

interface Followed {
  offset: number;
  readonly decoder: StringDecoder;
  pending: string;
}

const MAX_READ_BYTES = 1024 * 1024;

export function followServiceLogs(logDir: string, write: (line: string) => void, options: { intervalMs?: number; color?: boolean } = {}): LogFollower {
  const followed = new Map<string, Followed>();
  const files = () => {
    try {
      return fs.readdirSync(logDir).filter((name) => serviceOfLogFile(name) !== undefined);
    } catch {
      return [];
    }
  };
  const size = (name: string) => {
    try {
      return fs.statSync(path.join(logDir, name)).size;
    } catch {
      return undefined;
    }
  };
  // Files written before now are followed from their end: their lines are the previous runs' and this one's startup.
  for (const name of files()) followed.set(name, { offset: size(name) ?? 0, decoder: new StringDecoder("utf8"), pending: "" });

  const poll = () => {
    for (const name of files()) {
      const source = serviceOfLogFile(name)!;
      let state = followed.get(name);
      if (!state) followed.set(name, (state = { offset: 0, decoder: new StringDecoder("utf8"), pending: "" }));
      const end = size(name);
      if (end === undefined || end === state.offset) continue;
      if (end < state.offset) {
        state.offset = 0; // truncated: start over
        continue;
      }
      const buffer = Buffer.alloc(Math.min(end - state.offset, MAX_READ_BYTES));
      let read = 0;
      try {
        const fd = fs.openSync(path.join(logDir, name), "r");
        try {
          read = fs.readSync(fd, buffer, 0, buffer.length, state.offset);
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        continue;
      }
      state.offset += read;
      const lines = (state.pending + state.decoder.write(buffer.subarray(0, read))).split("\n");
      state.pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() !== "") write(prettyLogLine(line, source, { color: options.color ?? false }));
      }
    }
  };
  const timer = setInterval(poll, options.intervalMs ?? 250);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      poll();
    },
  };
}
