/** Node's handle on deno-caller.ts: one Deno process, one call at a time, each timed inside Deno. */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { REPO_ROOT } from "../../../local/src/paths.ts";

export interface DenoTarget {
  readonly url: string;
  readonly token: string;
}

export interface DenoCaller {
  /** One start through the named target; resolves with its duration as Deno measured it (ms). */
  call(target: string): Promise<number>;
  stop(): Promise<void>;
}

const DENO = path.join(REPO_ROOT, "node_modules", ".bin", "deno");
const SCRIPT = path.join(REPO_ROOT, "supabase", "scripts", "bench", "lib", "deno-caller.ts");

export async function startDenoCaller(targets: Readonly<Record<string, DenoTarget>>, namespace: string): Promise<DenoCaller> {
  const child = spawn(
    DENO,
    ["run", "--cached-only", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env", "--config", path.join(REPO_ROOT, "deno.json"), SCRIPT],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", CALLER_TARGETS: JSON.stringify(targets), TEMPORAL_NAMESPACE: namespace },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let gone = false;
  const exitError = () => new Error(`the Deno caller exited: ${stderr.trim() || "no output"}`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => {
    gone = true;
    for (const waiter of waiting.splice(0)) waiter.reject(exitError());
  });
  readline.createInterface({ input: child.stdout }).on("line", (line) => waiting.shift()?.resolve(line));
  const nextLine = () => new Promise<string>((resolve, reject) => {
    if (gone) reject(exitError());
    else waiting.push({ resolve, reject });
  });

  const first = await nextLine();
  if (first !== "ready") throw new Error(`the Deno caller did not start: ${first}`);
  return {
    async call(target) {
      const answer = nextLine();
      child.stdin.write(`${target}\n`);
      const line = await answer;
      if (!line.startsWith("ok ")) throw new Error(`Deno caller: ${line}`);
      return Number(line.slice(3));
    },
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
