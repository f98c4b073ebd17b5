/**
 * CPU time by process, read from /proc (Linux): the stack's process tree and this benchmark process,
 * grouped by what each process is. Latency on a small machine is CPU: when every process of a request
 * takes turns on two cores, the request costs what all of them spend on it together.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

export type ProcessGroup = "Temporal dev server" | "Postgres" | "API gateway (REST, Realtime, Functions)" | "edge function (Deno)" | "gRPC-web proxy" | "worker" | "benchmark client";

export interface ProcessInfo {
  readonly ppid: number;
  readonly ticks: number;
  readonly cmdline: string;
}

/** CPU seconds per process id, for the processes of interest, at one moment. */
export type CpuSnapshot = ReadonlyMap<number, { readonly group: ProcessGroup; readonly ticks: number }>;

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Every process's parent, CPU ticks and command line (arguments joined by spaces), by pid. */
export function readProcesses(): Map<number, ProcessInfo> {
  const processes = new Map<number, ProcessInfo>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command name: state ppid … utime(12th) stime(13th).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      processes.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), cmdline });
    } catch {
      // exited while we looked
    }
  }
  return processes;
}

function groupOf(pid: number, info: ProcessInfo, stackPid: number): ProcessGroup | undefined {
  if (pid === process.pid) return "benchmark client";
  if (pid === stackPid) return "API gateway (REST, Realtime, Functions)";
  const cmd = info.cmdline;
  if (cmd.includes("temporal") && cmd.includes("start-dev")) return "Temporal dev server";
  if (cmd.includes("deno")) return "edge function (Deno)";
  if (cmd.includes("proxy/main")) return "gRPC-web proxy";
  if (cmd.includes("worker/main")) return "worker";
  return undefined;
}

/**
 * This process and every process under it: the stack's (Postgres's backends are its grandchildren)
 * and a worker the benchmark spawned.
 */
export function cpuSnapshot(stackPid: number): CpuSnapshot {
  const processes = readProcesses();
  const ours = (pid: number): boolean => {
    for (let current = pid, hops = 0; current > 1 && hops < 10; hops += 1) {
      if (current === process.pid) return true;
      current = processes.get(current)?.ppid ?? 0;
    }
    return false;
  };
  const snapshot = new Map<number, { group: ProcessGroup; ticks: number }>();
  for (const [pid, info] of processes) {
    if (!ours(pid)) continue;
    const group = groupOf(pid, info, stackPid) ?? (info.cmdline.includes("postgres") ? "Postgres" : undefined);
    if (group) snapshot.set(pid, { group, ticks: info.ticks });
  }
  return snapshot;
}

/**
 * Milliseconds of CPU per operation by group between two snapshots. A process that exited between
 * them is not counted (the stack's processes live for the whole run; Postgres keeps its pooled backends).
 */
export function cpuPerOperation(before: CpuSnapshot, after: CpuSnapshot, operations: number): Record<ProcessGroup, number> {
  const perGroup: Partial<Record<ProcessGroup, number>> = {};
  for (const [pid, now] of after) {
    const spent = now.ticks - (before.get(pid)?.ticks ?? 0);
    if (spent > 0) perGroup[now.group] = (perGroup[now.group] ?? 0) + spent;
  }
  const toMs = 1000 / clockTicks() / operations;
  return Object.fromEntries(Object.entries(perGroup).map(([group, ticks]) => [group, ticks * toMs])) as Record<ProcessGroup, number>;
}
