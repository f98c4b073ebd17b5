import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { StackError } from "./errors.ts";
import { waitFor } from "./net.ts";

/** A long-running service child whose output goes to a log file under the data dir. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  stop(timeoutMs?: number): Promise<void>;
}

export function startService(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions & { logDir: string },
): ServiceProcess {
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const log = fs.openSync(logFile, "a");
  // Own process group: a Ctrl-C in the terminal reaches only the stack, which stops children in order.
  const child = spawn(command, args, { ...options, stdio: ["ignore", log, log], detached: true });
  fs.closeSync(log);
  if (child.pid) recordChild(options.logDir, name, child.pid);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(-1));
  });
  return {
    name,
    pid: child.pid ?? -1,
    logFile,
    child,
    exited,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Children are recorded in <dataDir>/children.json so that a later start can stop any left behind
 * by a stack process that was killed before it could stop them (kill -9, a closed terminal).
 */
function childrenFile(logDir: string): string {
  return path.join(path.dirname(logDir), "children.json");
}

function recordChild(logDir: string, name: string, pid: number): void {
  const file = childrenFile(logDir);
  let children: Record<string, number> = {};
  try {
    children = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, number>;
  } catch {
    // first child of this stack
  }
  children[name] = pid;
  fs.writeFileSync(file, JSON.stringify(children));
}

/** Stops processes a previous, dead stack left running in this data dir; returns their names. */
export function reapOrphans(dataDir: string): string[] {
  const file = path.join(dataDir, "children.json");
  let children: Record<string, number>;
  try {
    children = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, number>;
  } catch {
    return [];
  }
  const reaped: string[] = [];
  for (const [name, pid] of Object.entries(children)) {
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    } catch {
      continue; // gone already
    }
    // Only a process that is still ours: its command line names this data dir or one of our entry points.
    if (!cmdline.includes(dataDir) && !cmdline.includes("workflows/src/")) continue;
    try {
      process.kill(pid, name === "postgres" ? "SIGINT" : "SIGTERM");
      reaped.push(name);
    } catch {
      // exited meanwhile
    }
  }
  fs.rmSync(file, { force: true });
  return reaped;
}

/** Last lines of a log, to explain why a service failed to start. */
export function tailLog(logFile: string, lines = 15): string {
  try {
    return fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Waits until `isReady` says a freshly started service is up; if it exits or the deadline passes,
 * stops it and throws a StackError quoting the end of its log (a one-line cause, never a stack trace).
 */
export async function waitUntilReady(
  service: ServiceProcess,
  what: string,
  isReady: () => Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  let exited = false;
  void service.exited.then(() => { exited = true; });
  try {
    await waitFor(`${what} to be ready`, async () => {
      if (exited) throw new Error("exited");
      return isReady();
    }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: options.intervalMs ?? 100 });
  } catch {
    await service.stop();
    throw new StackError(`${what} did not start: ${tailLog(service.logFile, 4).replace(/\n/g, " | ")}`, `see ${service.logFile}`);
  }
}

export async function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
}
