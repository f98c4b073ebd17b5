import fs from "node:fs";
import path from "node:path";
import { StackError } from "../errors.ts";
import { REPO_ROOT } from "../paths.ts";
import { waitFor } from "../net.ts";
import { startService, tailLog, type ServiceProcess } from "../child-process.ts";

/**
 * Runs one of the project's Node entry points (`workflows/src/.../main.ts`) as a child process under
 * tsx, with exactly the environment given (plus PATH/HOME), and waits until it says it is ready.
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
  const service = startService(options.name, process.execPath, ["--import", "tsx", path.join(REPO_ROOT, options.entry)], {
    logDir: path.join(options.dataDir, "logs"),
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
  });
  const startedAt = fs.existsSync(service.logFile) ? fs.statSync(service.logFile).size : 0;
  let exited = false;
  void service.exited.then(() => { exited = true; });
  const freshLog = () => {
    const text = fs.readFileSync(service.logFile, "utf8");
    return text.slice(Math.min(startedAt, text.length));
  };
  try {
    await waitFor(`${options.name} to be ready`, async () => {
      if (exited) throw new Error("exited");
      return options.ready(freshLog());
    }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100 });
  } catch {
    await service.stop();
    throw new StackError(`${options.name} did not start: ${tailLog(service.logFile, 4).replace(/\n/g, " | ")}`, `see ${service.logFile}`);
  }
  return service;
}
