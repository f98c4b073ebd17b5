/**
 * onStopRequest: the stack's processes stop on the usual signals and when whoever started them is
 * gone (npm does not forward SIGTERM; a parent killed with -9 stops nobody).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const MODULE = fileURLToPath(new URL("../src/stop-requests.ts", import.meta.url));

/** A node process that records each stop reason it is given in `file`, and says "watching" once armed. */
function childScript(file: string): string {
  return `
    import fs from "node:fs";
    const { onStopRequest } = await import(${JSON.stringify(MODULE)});
    onStopRequest((reason) => fs.appendFileSync(${JSON.stringify(file)}, reason + "\\n"));
    setInterval(() => {}, 1000);
    process.stdout.write("watching\\n");
  `;
}

async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const reasons = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

test("SIGTERM, SIGINT and SIGHUP each ask the process to stop, naming the signal; nothing else does", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stop-requests-"));
  const file = path.join(dir, "reasons");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", childScript(file)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await eventually("the child to arm its handlers", () => (out.includes("watching") ? true : undefined));
    // Past the parent watch's first checks: while the parent lives, it must not fire.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.deepEqual(reasons(file), [], "no stop request while the parent is alive and no signal came");
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
      child.kill(signal);
      await eventually(`${signal} recorded`, () => (reasons(file).includes(signal) ? true : undefined));
    }
    assert.deepEqual(reasons(file), ["SIGTERM", "SIGINT", "SIGHUP"], "the handler decides; the process is not killed by the signal");
    assert.equal(child.exitCode, null);
  } finally {
    child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a process whose parent exits is asked to stop", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stop-requests-"));
  const file = path.join(dir, "reasons");
  const pidFile = path.join(dir, "pid");
  // The parent is a shell that starts the child in the background, waits until it is armed, then exits.
  const script = `${JSON.stringify(process.execPath)} --import tsx --input-type=module -e "$CHILD" > "$DIR/out" & echo $! > "$DIR/pid"; ` +
    `i=0; until grep -q watching "$DIR/out" 2>/dev/null || [ $i -ge 400 ]; do sleep 0.05; i=$((i+1)); done`;
  const parent = spawn("sh", ["-c", script], { env: { ...process.env, CHILD: childScript(file), DIR: dir }, stdio: "inherit" });
  try {
    const code = await new Promise<number | null>((resolve) => parent.once("exit", resolve));
    assert.equal(code, 0);
    const reason = await eventually("the orphaned child's stop request", () => reasons(file)[0]);
    assert.equal(reason, "parent process exited");
  } finally {
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) : 0;
    if (pid) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
