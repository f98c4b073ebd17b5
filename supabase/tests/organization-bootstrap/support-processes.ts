/** The worker's entry point and the operator CLI as child processes, with the stack's environment. */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { workerEnv } from "../../local/src/stack.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { eventually } from "../../../workflows/test/support/eventually.ts";
import { logLine } from "../../../workflows/test/support/log-lines.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function connectionEnv() {
  const env = stackEnv();
  return {
    SUPABASE_URL: env.supabaseUrl,
    SUPABASE_SERVICE_ROLE_KEY: env.serviceRoleKey,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_NAMESPACE: env.temporalNamespace,
  };
}

export interface WorkerMainProcess {
  readonly url: string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** workflows/src/worker/main.ts with the stack's worker environment, its own Schedule and HTTP port. */
export async function spawnWorkerMain(extraEnv: Record<string, string> = {}): Promise<WorkerMainProcess> {
  const base = workerEnv(connectionEnv() as Parameters<typeof workerEnv>[0], stackEnv().dataDir);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "workflows/src/worker/main.ts")], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...base, WORKER_HTTP_PORT: "0", RECONCILE_SCHEDULE_ID: `test-${randomUUID()}`, ...extraEnv },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk; });
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk; });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const url = await eventually("the worker HTTP line", () =>
      logLine(stdout, "worker HTTP listening")?.url?.toString() ?? (child.exitCode !== null ? Promise.reject(new Error(`the worker exited: ${stderr}`)) : undefined), 120_000);
    return { url, stdout: () => stdout, stderr: () => stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `npm run bootstrap:retry -- …args` as an operator runs it, with the worker's variables. */
export function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "workflows/scripts/bootstrap-retry.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...connectionEnv() },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk; });
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk; });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}
