/**
 * `npm test`: starts a throwaway local stack on free ports, runs every Node suite (node:test)
 * and every Deno suite (deno test) against it, stops it, and ends with one line
 * `N passed, N failed` summed over all suites (CI reads it).
 *
 *   npm test                      all suites
 *   npm test -- rest realtime     only test files whose path contains one of the words
 */
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { describeStackError } from "../errors.ts";
import { consoleProgress } from "../log.ts";
import { freeStackPorts } from "../net.ts";
import { DENO_BINARY, denoEnv, REPO_ROOT } from "../paths.ts";
import { startStack, type Stack } from "../stack.ts";

const NODE_TEST_ROOTS = ["shared/test", "supabase/local/test", "supabase/tests", "workflows/test"];
const DENO_TEST_ROOTS = ["shared/test", "supabase/functions"];

const filters = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const progress = consoleProgress();

function findFiles(root: string, matches: (file: string) => boolean): string[] {
  const dir = path.join(REPO_ROOT, root);
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && matches(full) && !full.includes("node_modules")) out.push(path.relative(REPO_ROOT, full));
  }
  return out.sort().filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
}

interface SuiteResult {
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => { output += chunk; process.stdout.write(chunk); });
    child.stderr.on("data", (chunk: Buffer) => { output += chunk; process.stderr.write(chunk); });
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** node:test's TAP summary: `# pass N`, `# fail N`, `# cancelled N`. */
async function runNodeSuites(files: string[], env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  if (files.length === 0) return { name: "node", passed: 0, failed: 0 };
  const { code, output } = await run(
    process.execPath,
    ["--import", "tsx", "--test", "--test-reporter=tap", "--test-concurrency=1", ...files],
    env,
  );
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(output)?.[1] ?? 0);
  const passed = count("pass");
  let failed = count("fail") + count("cancelled");
  if (code !== 0 && failed === 0) failed = 1; // the runner itself failed: never report green
  return { name: "node", passed, failed };
}

/** deno test's summary: `ok | 3 passed | 0 failed` or `FAILED | 2 passed | 1 failed`. */
async function runDenoSuites(files: string[], env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  if (files.length === 0) return { name: "deno", passed: 0, failed: 0 };
  // No package.json lookup: the functions' npm packages come from Deno's cache, as on the Edge Runtime.
  const { code, output } = await run(DENO_BINARY, ["test", "--allow-all", "--config", "deno.json", ...files], { ...env, ...denoEnv() });
  const match = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output);
  const passed = Number(match?.[1] ?? 0);
  let failed = Number(match?.[2] ?? 0);
  if (code !== 0 && failed === 0) failed = 1;
  return { name: "deno", passed, failed };
}

async function main(): Promise<void> {
  const nodeFiles = NODE_TEST_ROOTS.flatMap((root) => findFiles(root, (f) => f.endsWith(".test.ts") && !f.endsWith(".deno.test.ts")));
  const denoFiles = DENO_TEST_ROOTS.flatMap((root) => findFiles(root, (f) => f.endsWith(".deno.test.ts") || (root === "supabase/functions" && f.endsWith(".test.ts"))));
  // One folder per run, so two `npm test` runs (or a test run beside `npm start`) never collide.
  const dataDir = path.join(REPO_ROOT, ".local", `test-stack-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });

  let stack: Stack;
  try {
    // No worker: suites that need one start their own, so they can also stop and kill it.
    stack = await startStack({ dataDir, ports: await freeStackPorts(), ephemeral: true, worker: false }, progress);
  } catch (error) {
    process.stderr.write(`${describeStackError(error)}\n`);
    process.stdout.write("0 passed, 1 failed\n");
    process.exit(1);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env, LOCAL_STACK_DIR: dataDir, LOCAL_STACK_TEST: "1" };
  const results: SuiteResult[] = [];
  try {
    progress.step(`running ${nodeFiles.length} Node test file(s)`);
    results.push(await runNodeSuites(nodeFiles, env));
    progress.step(`running ${denoFiles.length} Deno test file(s)`);
    results.push(await runDenoSuites(denoFiles, env));
  } finally {
    await stack.stop();
    if (!process.env.KEEP_TEST_STACK) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  for (const r of results) process.stdout.write(`${r.name}: ${r.passed} passed, ${r.failed} failed\n`);
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

void main();
