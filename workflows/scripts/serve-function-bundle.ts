/**
 * Serves a bundled edge function (function-bundle.ts) under the real Deno, the way a deploy would
 * run it: from a folder holding only that file, with no deno.json, no node_modules, no npm
 * resolution and no remote modules (`--no-config --no-npm --no-remote`), so the file must carry
 * everything. The local stack's preload (deno-host.ts) makes Deno.serve listen on a port the OS
 * picks and announce it, as it does for `supabase functions serve`'s stand-in.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./artifacts.ts";

const DENO = path.join(REPO_ROOT, "node_modules/.bin/deno");
const DENO_HOST = path.join(REPO_ROOT, "supabase/local/src/gateway/functions/deno-host.ts");
/** deno-host.ts's protocol (supabase/local/src/gateway/functions/host-protocol.ts), repeated to keep this file free of the stack's imports. */
const LISTENING_MARKER = "@@supabase-local-functions:listening:";
const HOST_ENV_VARIABLE = "SUPABASE_INTERNAL_HOST_ENV";

export interface ServedBundle {
  readonly url: string;
  /** From spawning Deno to Deno.serve listening: parse, evaluate, build the handler. */
  readonly coldStartMs: number;
  /** Everything the process printed (the function's JSON log lines). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `deno run <file>` with exactly `functionEnv` (the secrets and Supabase's injected variables). */
export function serveFunctionBundle(file: string, functionEnv: Readonly<Record<string, string>>, bootTimeoutMs = 30_000): Promise<ServedBundle> {
  const hostEnv: Record<string, string> = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = process.env[name];
    if (value !== undefined) hostEnv[name] = value;
  }
  const startedAt = performance.now();
  const child = spawn(
    DENO,
    ["run", "--no-config", "--no-npm", "--no-remote", "--no-lock", "--no-prompt", "--allow-net", "--allow-env", "--preload", DENO_HOST, path.basename(file)],
    {
      cwd: path.dirname(file),
      env: { ...functionEnv, ...hostEnv, [HOST_ENV_VARIABLE]: Object.keys(hostEnv).join(",") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString("utf8"); });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the bundle was not listening within ${bootTimeoutMs} ms:\n${output}`));
    }, bootTimeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = new RegExp(`${LISTENING_MARKER}(\\d+)`).exec(output);
      if (!match) return;
      clearTimeout(timer);
      output = output.replace(match[0], "");
      resolve({
        url: `http://127.0.0.1:${match[1]}`,
        coldStartMs: Math.round(performance.now() - startedAt),
        output: () => output,
        stop,
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the bundle exited before listening (code ${child.exitCode}):\n${output}`));
    });
  });
}
