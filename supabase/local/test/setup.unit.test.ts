/**
 * What the two commands set up before they run: every npm script goes through the launcher, the
 * launcher runs scripts on the project's Node (the images' major) whatever Node started it, and a
 * missing Debian package is installed only where that is allowed, with the one-line fix elsewhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectNodeMajor } from "../../../workflows/test/support/project-node.ts";
import { installDebianPackages } from "../src/debian.ts";
import { StackError } from "../src/errors.ts";
import type { Progress } from "../src/log.ts";
import { REPO_ROOT } from "../src/paths.ts";

const LAUNCHER = "supabase/local/launch.mjs";
const steps: string[] = [];
const progress: Progress = { step: (m) => void steps.push(m), done: (m) => void steps.push(m), warn: (m) => void steps.push(m) };

test("every npm script that runs TypeScript goes through the launcher (so each one installs what is missing)", () => {
  const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
  for (const [name, command] of Object.entries(scripts)) {
    if (!/\.ts\b/.test(command)) continue;
    assert.ok(command.startsWith(`node ${LAUNCHER} `), `npm run ${name}: ${command}`);
  }
  assert.ok(scripts.start && scripts.test && scripts["test:unit"]);
});

test("the launcher runs a script on the project's Node, the images' major, even when an older Node starts it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launcher-"));
  const script = path.join(dir, "version.ts");
  fs.writeFileSync(script, "const major: number = Number(process.versions.node.split('.')[0]);\nconsole.log(JSON.stringify({ major, args: process.argv.slice(2) }));\n");
  // The machine's own Node where there is one (what `npm` runs on), else this one.
  const starter = fs.existsSync("/usr/bin/node") ? "/usr/bin/node" : process.execPath;
  const output = execFileSync(starter, [LAUNCHER, script, "a b", "--flag"], { cwd: REPO_ROOT, encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(JSON.parse(output.trim().split("\n").at(-1)!), { major: projectNodeMajor(), args: ["a b", "--flag"] });
});

test("the launcher passes the script's exit code on", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launcher-"));
  const script = path.join(dir, "fail.ts");
  fs.writeFileSync(script, "process.exit(7);\n");
  assert.throws(() => execFileSync(process.execPath, [LAUNCHER, script], { cwd: REPO_ROOT, stdio: "pipe" }), (error: { status?: number }) => error.status === 7);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a missing Debian package: not root → a StackError with the sudo command, and nothing is run", () => {
  steps.length = 0;
  assert.throws(
    () => installDebianPackages(["postgresql"], progress, "the Postgres server binaries", { root: false, aptGet: "/usr/bin/apt-get" }),
    (error: unknown) => error instanceof StackError && error.fix.includes("sudo apt-get install -y postgresql"),
  );
  assert.throws(
    () => installDebianPackages(["chromium"], progress, "Chromium", { root: true, aptGet: path.join(os.tmpdir(), "no-apt-get-here") }),
    (error: unknown) => error instanceof StackError && error.message === "Chromium not found",
  );
  assert.deepEqual(steps, [], "no install was attempted");
});
