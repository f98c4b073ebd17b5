import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../paths.ts";
import { startService, waitUntilReady, type ServiceProcess } from "../child-process.ts";

/**
 * Runs one of the project's Node entry points (`workflows/src/.../main.ts`) as a child process under
 * tsx, or a built one (`.js`, relative to the repository or absolute) with plain node, with exactly
 * the environment given (plus PATH/HOME), and waits until it says it is ready.
 * Separate processes, not in-process services, so tests and the chaos suite can kill them.
 */
export async function startNodeService(options: {
  name: string;
  entry: string;
  env: Record<string, string>;
  dataDir: string;
  ready: (log: string) => boolean;
  timeoutMs?: number;
}): Promise<ServiceProcess> {
  const logDir = path.join(options.dataDir, "logs");
  // Only what this run writes counts: the log file is appended to across restarts.
  const logFile = path.join(logDir, `${options.name}.log`);
  const startedAt = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const entry = path.resolve(REPO_ROOT, options.entry);
  // TypeScript sources run under tsx; a built artifact (npm run build) runs as its image runs it.
  const args = entry.endsWith(".ts") ? ["--import", "tsx", entry] : [entry];
  const service = startService(options.name, process.execPath, args, {
    logDir,
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
  });
  const freshLog = () => fs.readFileSync(service.logFile).subarray(startedAt).toString("utf8");
  await waitUntilReady(service, options.name, async () => options.ready(freshLog()), { timeoutMs: options.timeoutMs ?? 60_000 });
  return service;
}
