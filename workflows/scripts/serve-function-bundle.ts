/**
 * Serves a bundled edge function (function-bundle.ts) under the real Deno, the way a deploy would
 * run it: from a folder holding only that file, with no deno.json, no node_modules, no npm
 * resolution and no remote modules (`--no-config --no-npm --no-remote`), so the file must carry
 * everything. The local stack's shim (deno-host.ts), imported first by a generated main module,
 * makes Deno.serve listen on a port the OS picks and announce it, as it does for
 * `supabase functions serve`'s stand-in.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { HOST_ENV_VARIABLE, LISTENING_MARKER } from "../../supabase/local/src/gateway/functions/host-protocol.ts";
import { DENO_BINARY as DENO } from "../../supabase/local/src/paths.ts";
import { REPO_ROOT } from "./artifacts.ts";

const DENO_HOST = path.join(REPO_ROOT, "supabase/local/src/gateway/functions/deno-host.ts");

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
  // Imports run in order: the shim is evaluated before the bundle's first line.
  // Kept out of the bundle's folder, which must hold the bundle alone.
  const main = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "serve-bundle-")), "main.ts");
  fs.writeFileSync(main, `import ${JSON.stringify(pathToFileURL(DENO_HOST).href)};\nimport ${JSON.stringify(pathToFileURL(path.resolve(file)).href)};\n`);
  const startedAt = performance.now();
  const child = spawn(
    DENO,
    ["run", "--no-config", "--no-npm", "--no-remote", "--no-lock", "--no-prompt", "--allow-net", "--allow-env", main],
    {
      cwd: path.dirname(file),
      env: { ...functionEnv, ...hostEnv, [HOST_ENV_VARIABLE]: Object.keys(hostEnv).join(",") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve())).then(() => fs.rmSync(path.dirname(main), { recursive: true, force: true }));
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
