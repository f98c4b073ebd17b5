/** A Dockerfile read as stages of instructions, for tests that check images without a Docker engine. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

/** Dockerfile → stages of instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(file: string): Stage[] {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((line) => !/^\s*#/.test(line));
  const joined = lines.join("\n").replace(/\\\n/g, " ");
  const stages: Stage[] = [];
  for (const line of joined.split("\n")) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === "FROM") {
      const [image, , name] = args.split(/\s+/);
      stages.push({ from: image!, ...(name ? { name } : {}), instructions: [] });
    } else {
      assert.ok(stages.length > 0, `${path.basename(file)}: ${keyword} before FROM`);
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return stages;
}

export const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
export const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1)?.args;

/** The repository folders whose package.json a stage copies (`COPY shared/package.json shared/` → "shared"). */
export function copiedWorkspaces(stage: Stage): string[] {
  return all(stage, "COPY")
    .flatMap((copy) => copy.args.split(/\s+/).slice(0, -1))
    .filter((source) => source.endsWith("/package.json"))
    .map((source) => path.posix.dirname(source));
}

/** The `npm ci` a stage runs, as flags: which workspaces, the root or not, dev dependencies or not. */
export function npmCiOf(stage: Stage): { workspaces: string[]; includeRoot: boolean; omitDev: boolean } | undefined {
  const run = all(stage, "RUN").find((r) => /\bnpm ci\b/.test(r.args));
  if (!run) return undefined;
  const command = run.args.split("&&")[0]!.trim().split(/\s+/);
  const workspaces = command.flatMap((word, i) => (word === "--workspace" ? [command[i + 1]!] : word.startsWith("--workspace=") ? [word.slice(12)] : []));
  return { workspaces, includeRoot: command.includes("--include-workspace-root"), omitDev: command.includes("--omit=dev") };
}
