import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HOST_ENV_VARIABLE } from "./host-protocol.ts";
import type { FunctionSource } from "./function-source.ts";
import { denoEnv } from "../../paths.ts";
import { planMounts, stageMounts } from "./mounts.ts";

export interface DenoCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** Supabase's documented per-function memory limit (guides/functions/limits). */
const MEMORY_LIMIT_MB = 256;
/** The runtime's own files (the Deno.serve shim), staged beside the project view, never inside it. */
const HOST_FILES = ["deno-host.ts", "host-protocol.ts"].map((name) => fileURLToPath(new URL(`./${name}`, import.meta.url)));
const RUNTIME_FOLDER = ".edge-runtime";

/**
 * Variables Deno itself needs from the gateway's environment: PATH and HOME. They reach the
 * process but not the function (deno-host.ts deletes them first).
 */
const HOST_INHERITED = ["PATH", "HOME"] as const;
/** Set for Deno itself (paths.ts denoEnv: its cache, CA store, no package.json), never seen by the function. */
const HOST_SET = Object.keys(denoEnv(""));
export const HOST_ENV_NAMES: ReadonlySet<string> = new Set([...HOST_INHERITED, ...HOST_SET, HOST_ENV_VARIABLE]);

export interface DenoCommandInput {
  readonly deno: string;
  readonly source: FunctionSource;
  /** The project folder (the CLI's working directory): mounted paths are relative to it. */
  readonly projectRoot: string;
  /** The folder holding every function, mounted whole. */
  readonly functionsDir: string;
  /** Where this function's view of the project is staged (emptied at every boot). */
  readonly stageDir: string;
  /** The Deno cache npm packages are fetched into, shared by the stack's functions. */
  readonly denoDir: string;
  /** What the function sees: the injected Supabase variables plus its secrets. */
  readonly functionEnv: Readonly<Record<string, string>>;
  readonly parentEnv?: NodeJS.ProcessEnv;
}

/**
 * Stages exactly the files `supabase functions serve` mounts (mounts.ts) and returns the `deno run`
 * that serves the function from there, with the Edge Runtime's limits:
 * - only the staged files exist for it: no root deno.json, no package.json, no node_modules, so a
 *   configuration the Edge Runtime refuses (`"nodeModulesDir": "manual"`, say) fails here too;
 * - npm: specifiers are fetched into the stack's Deno cache on first use, as the runtime does;
 * - permissions: network and env; read the staged files and the temp dir, write only the temp
 *   dir; no subprocesses, no FFI (the Edge Runtime allows neither);
 * - the V8 heap capped at Supabase's per-function memory limit.
 * Throws MountError when the imports reach outside the project.
 */
export function denoCommand(input: DenoCommandInput): DenoCommand {
  const { projectRoot, stageDir, source } = input;
  const plan = planMounts(projectRoot, input.functionsDir, source.entrypoint, source.denoConfig);
  stageMounts(projectRoot, plan, stageDir);
  const runtimeDir = path.join(stageDir, RUNTIME_FOLDER);
  fs.mkdirSync(runtimeDir, { recursive: true });
  for (const file of HOST_FILES) fs.copyFileSync(file, path.join(runtimeDir, path.basename(file)));
  const staged = (file: string) => path.join(stageDir, path.relative(projectRoot, file));
  // Imports run in order: the shim is evaluated before the function's first line.
  const main = path.join(runtimeDir, "main.ts");
  const entry = path.relative(runtimeDir, staged(source.entrypoint)).split(path.sep).join("/");
  fs.writeFileSync(main, `import "./deno-host.ts";\nimport "./${entry}";\n`);

  const tmp = os.tmpdir();
  const parentEnv = input.parentEnv ?? process.env;
  // The stack's own cache, as the CLI keeps one cache volume per project mounted into the container.
  const hostEnv: Record<string, string> = denoEnv(input.denoDir);
  for (const name of HOST_INHERITED) {
    const value = parentEnv[name];
    if (value !== undefined) hostEnv[name] = value;
  }
  return {
    command: input.deno,
    args: [
      "run",
      "--no-prompt",
      "--allow-net",
      "--allow-env",
      `--allow-read=${stageDir},${tmp}`,
      `--allow-write=${tmp}`,
      `--v8-flags=--max-old-space-size=${MEMORY_LIMIT_MB}`,
      // Explicit either way: Deno would otherwise look for a deno.json above the staged files.
      ...(source.denoConfig ? ["--config", staged(source.denoConfig)] : ["--no-config"]),
      main,
    ],
    env: { ...input.functionEnv, ...hostEnv, [HOST_ENV_VARIABLE]: Object.keys(hostEnv).join(",") },
    cwd: stageDir,
  };
}
