import fs from "node:fs";
import { execFileSync } from "node:child_process";
import { StackError } from "./errors.ts";
import type { Progress } from "./log.ts";

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Installs Debian packages the local stack or its tests need (`postgresql`, `chromium`) when this
 * process may: as root on a machine with apt-get. Anywhere else it stops with the one command that
 * fixes it, rather than asking for a password half-way through `npm start`.
 */
export function installDebianPackages(
  packages: readonly string[],
  progress: Progress,
  what: string,
  machine: { root: boolean; aptGet: string } = { root: isRoot(), aptGet: "/usr/bin/apt-get" },
): void {
  const command = `sudo apt-get install -y ${packages.join(" ")}`;
  if (!machine.root || !fs.existsSync(machine.aptGet)) {
    throw new StackError(`${what} not found`, `install it (Debian/Ubuntu: \`${command}\`), then run the command again`);
  }
  const started = Date.now();
  progress.step(`installing Debian's ${packages.join(", ")} for ${what} (apt-get, a minute or two)`);
  try {
    execFileSync(machine.aptGet, ["update", "-qq"], { stdio: "pipe" });
    execFileSync(machine.aptGet, ["install", "-y", "-qq", ...packages], { stdio: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split("\n").at(-1) ?? String(error);
    throw new StackError(`could not install ${packages.join(", ")}: ${stderr}`, `install it yourself: ${command.replace(/^sudo /, "")}`);
  }
  progress.done(`installed ${packages.join(", ")} (${Math.round((Date.now() - started) / 1000)} s)`);
}
