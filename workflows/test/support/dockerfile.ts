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
