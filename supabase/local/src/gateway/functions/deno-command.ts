import os from "node:os";
import { fileURLToPath } from "node:url";
import { HOST_ENV_VARIABLE } from "./host-protocol.ts";
import type { FunctionSource } from "./function-source.ts";

export interface DenoCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** Supabase's documented per-function memory limit (guides/functions/limits). */
const MEMORY_LIMIT_MB = 256;
const HOST_SCRIPT = fileURLToPath(new URL("./deno-host.ts", import.meta.url));

/**
 * Variables Deno itself needs from the gateway's environment: where its cache lives, and PATH.
 * They reach the process but not the function (deno-host.ts deletes them first).
 */
const HOST_INHERITED = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"] as const;
export const HOST_ENV_NAMES: ReadonlySet<string> = new Set([...HOST_INHERITED, "NO_COLOR", "DENO_NO_UPDATE_CHECK", HOST_ENV_VARIABLE]);

export interface DenoCommandInput {
  readonly deno: string;
  readonly source: FunctionSource;
  /** The folder holding every function (readable, like the Edge Runtime's bundle). */
  readonly functionsDir: string;
  /** What the function sees: the injected Supabase variables plus its secrets. */
  readonly functionEnv: Readonly<Record<string, string>>;
  readonly parentEnv?: NodeJS.ProcessEnv;
}

/**
 * `deno run` for one function, offline and with the Edge Runtime's limits:
 * - `--cached-only`: npm: specifiers resolve from the repo's node_modules (`"nodeModulesDir":
 *   "manual"` in the root deno.json and in a function's own): Deno uses the node_modules folder it
 *   finds above the function's files, the repo root's, whatever the working directory
 *   (functions-deno-config.test.ts runs a function from three). Nothing is ever downloaded; a
 *   package missing from node_modules fails the boot with Deno's "Could not find a matching
 *   package" line instead.
 * - permissions: network and env; read the functions folder and the temp dir, write only the temp
 *   dir; no subprocesses, no FFI (the Edge Runtime allows neither).
 * - the V8 heap capped at Supabase's per-function memory limit.
 */
export function denoCommand(input: DenoCommandInput): DenoCommand {
  const tmp = os.tmpdir();
  const parentEnv = input.parentEnv ?? process.env;
  const hostEnv: Record<string, string> = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
  for (const name of HOST_INHERITED) {
    const value = parentEnv[name];
    if (value !== undefined) hostEnv[name] = value;
  }
  return {
    command: input.deno,
    args: [
      "run",
      "--cached-only",
      "--no-prompt",
      "--allow-net",
      "--allow-env",
      `--allow-read=${input.functionsDir},${tmp}`,
      `--allow-write=${tmp}`,
      `--v8-flags=--max-old-space-size=${MEMORY_LIMIT_MB}`,
      "--config",
      input.source.denoConfig,
      "--preload",
      HOST_SCRIPT,
      input.source.entrypoint,
    ],
    env: { ...input.functionEnv, ...hostEnv, [HOST_ENV_VARIABLE]: Object.keys(hostEnv).join(",") },
    cwd: input.source.dir,
  };
}
