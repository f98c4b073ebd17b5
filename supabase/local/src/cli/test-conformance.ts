/**
 * `npm run test:conformance`: the product's exact calls to Supabase (the function's REST calls,
 * the worker's Realtime subscription, sign-in and claims, the function booted as the CLI boots it)
 * against a Supabase, so the local stand-in can be checked against the real one.
 *
 *   npm run test:conformance                                   a throwaway local stack (as in npm test)
 *   eval "$(supabase status -o env)" && npm run test:conformance   the `supabase start` stack those variables name
 *
 * Ends with one line `N passed, N failed`.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../paths.ts";

const SUITE = "supabase/tests/conformance";

function run(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: "inherit" });
    child.on("close", (code) => resolve(code ?? 1));
  });
}

/** Against `supabase start`: node:test over the suite with the CLI's variables, summed into one line. */
async function againstSupabaseStart(): Promise<number> {
  const files = fs.readdirSync(path.join(REPO_ROOT, SUITE)).filter((file) => file.endsWith(".test.ts")).map((file) => path.join(SUITE, file));
  process.stderr.write(`… running ${files.length} conformance file(s) against ${process.env.API_URL} (supabase status -o env)\n`);
  const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", "--test-concurrency=1", ...files], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  const code = await new Promise<number>((resolve) => child.on("close", (status) => resolve(status ?? 1)));
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(output)?.[1] ?? 0);
  const passed = count("pass");
  const failed = count("fail") + count("cancelled") || (code !== 0 ? 1 : 0);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

const code = process.env.API_URL ? await againstSupabaseStart() : await run(process.execPath, ["--import", "tsx", "supabase/local/src/cli/test-all.ts", SUITE]);
process.exit(code);
