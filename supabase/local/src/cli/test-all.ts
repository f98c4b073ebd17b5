/**
 * `npm test`: first the unit tier (every `*.unit.test.ts`, Node and Deno: no stack; the workflow tests
 * among them start the testing library's in-memory Temporal dev server for themselves), then
 * a throwaway local stack on free ports and every other suite against it; ends with one line
 * `N passed, N failed` summed over both tiers (CI reads it).
 *
 *   npm test                      both tiers
 *   npm run test:unit             the unit tier alone: no Postgres, no gateway, proxy or worker, no stack folder
 *   npm test -- rest realtime     only test files whose path contains one of the words
 */
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { describeStackError } from "../errors.ts";
import { consoleProgress } from "../log.ts";
import { freeStackPorts } from "../net.ts";
import { installDebianPackages } from "../debian.ts";
import { CHROMIUM_BINARY, DENO_BINARY, denoEnv, REPO_ROOT } from "../paths.ts";
import { startStack, type Stack } from "../stack.ts";

const NODE_TEST_ROOTS = ["shared/test", "supabase/local/test", "supabase/tests", "workflows/test"];
const DENO_TEST_ROOTS = ["shared/test", "supabase/functions"];

const filters = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const unitOnly = process.argv.includes("--unit");
const isUnit = (file: string) => file.includes(".unit.");
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
async function runNodeSuites(name: string, files: string[], env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  if (files.length === 0) return { name, passed: 0, failed: 0 };
  const { code, output } = await run(
    process.execPath,
    ["--import", "tsx", "--test", "--test-reporter=tap", "--test-concurrency=1", ...files],
    env,
  );
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(output)?.[1] ?? 0);
  const passed = count("pass");
  let failed = count("fail") + count("cancelled");
  if (code !== 0 && failed === 0) failed = 1; // the runner itself failed: never report green
  return { name, passed, failed };
}

/** deno test's summary: `ok | 3 passed | 0 failed` or `FAILED | 2 passed | 1 failed`. */
async function runDenoSuites(name: string, files: string[], env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  if (files.length === 0) return { name, passed: 0, failed: 0 };
  // No package.json lookup: the functions' npm packages come from Deno's cache, as on the Edge Runtime.
  const { code, output } = await run(DENO_BINARY, ["test", "--allow-all", "--config", "deno.json", ...files], { ...env, ...denoEnv() });
  const match = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output);
  const passed = Number(match?.[1] ?? 0);
  let failed = Number(match?.[2] ?? 0);
  if (code !== 0 && failed === 0) failed = 1;
  return { name, passed, failed };
}

/** One line per suite, then the line CI reads; exits non-zero on any failure or when nothing ran. */
function report(results: readonly SuiteResult[]): never {
  for (const r of results) process.stdout.write(`${r.name}: ${r.passed} passed, ${r.failed} failed\n`);
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

async function main(): Promise<void> {
  const nodeFiles = NODE_TEST_ROOTS.flatMap((root) => findFiles(root, (f) => f.endsWith(".test.ts") && !f.endsWith(".deno.test.ts")));
  const denoFiles = DENO_TEST_ROOTS.flatMap((root) => findFiles(root, (f) => f.endsWith(".deno.test.ts") || (root === "supabase/functions" && f.endsWith(".test.ts"))));
  const results: SuiteResult[] = [];

  // The unit tier: no stack, and none of its settings, so a test that needs a server fails here.
  const started = Date.now();
  const unitEnv: NodeJS.ProcessEnv = { ...process.env };
  const nodeUnit = nodeFiles.filter(isUnit);
  const denoUnit = denoFiles.filter(isUnit);
  progress.step(`unit tier: ${nodeUnit.length} Node and ${denoUnit.length} Deno test file(s), no stack`);
  results.push(await runNodeSuites("node (unit)", nodeUnit, unitEnv));
  results.push(await runDenoSuites("deno (unit)", denoUnit, { ...unitEnv, ...denoEnv() }));
  progress.step(`unit tier done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const nodeRest = nodeFiles.filter((file) => !isUnit(file));
  const denoRest = denoFiles.filter((file) => !isUnit(file));
  if (unitOnly || nodeRest.length + denoRest.length === 0) report(results);

  if (nodeRest.some((file) => file.endsWith("try-page.test.ts")) && !fs.existsSync(CHROMIUM_BINARY)) {
    // Without it the browser test fails with the same fix; every other suite still runs.
    try {
      installDebianPackages(["chromium"], progress, "Chromium (the try-it page's browser test)");
    } catch (error) {
      process.stderr.write(`${describeStackError(error)}\n`);
    }
  }

  // One folder per run, so two `npm test` runs (or a test run beside `npm start`) never collide.
  const dataDir = path.join(REPO_ROOT, ".local", `test-stack-${process.pid}`);
  fs.rmSync(dataDir, { recursive: true, force: true });

  let stack: Stack;
  try {
    // No worker: suites that need one start their own, so they can also stop and kill it.
    stack = await startStack({ dataDir, ports: await freeStackPorts(), ephemeral: true, worker: false }, progress);
  } catch (error) {
    process.stderr.write(`${describeStackError(error)}\n`);
    report([...results, { name: "stack", passed: 0, failed: 1 }]);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env, LOCAL_STACK_DIR: dataDir };
  try {
    progress.step(`running ${nodeRest.length} Node test file(s) against the stack`);
    results.push(await runNodeSuites("node", nodeRest, env));
    progress.step(`running ${denoRest.length} Deno test file(s) against the stack`);
    results.push(await runDenoSuites("deno", denoRest, env));
  } finally {
    await stack.stop();
    if (!process.env.KEEP_TEST_STACK) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  report(results);
}

void main();
