import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { DENO_BINARY } from "../../../local/src/paths.ts";
import { findPostgresBinDir } from "../../../local/src/postgres/binaries.ts";
import { findTemporalCli } from "../../../local/src/temporal/cli.ts";
import { silentProgress } from "../../../local/src/log.ts";

/** The machine a benchmark ran on: figures mean little without it. */
export interface Machine {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly deno: string;
  readonly postgres: string;
  readonly temporal: string;
  /** 1-minute load average when the run began: other processes share this machine. */
  readonly loadAtStart: number;
}

function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n")[0] ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    deno: firstLine(DENO_BINARY, ["--version"]),
    postgres: firstLine(path.join(findPostgresBinDir() ?? "", "postgres"), ["--version"]),
    temporal: firstLine(findTemporalCli(silentProgress, { install: false }), ["--version"]),
    loadAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
