import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { DENO_BINARY, denoEnv, REPO_ROOT } from "../src/paths.ts";

const run = promisify(execFile);
const bin = (name: string) => path.join(REPO_ROOT, "node_modules", ".bin", name);

/** Runs a checker; on failure the assertion message is the checker's own output. */
async function passes(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  try {
    await run(command, args, { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1", ...env } });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    assert.fail(`${path.basename(command)} ${args.join(" ")} failed:\n${stdout}${stderr}`.slice(0, 4000));
  }
}

test("the Node side type-checks under strict TypeScript", () => passes(bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]));

test("ESLint passes (workflow files import nothing from Node, no floating promises)", () => passes(bin("eslint"), ["."]));

for (const name of ["organization-bootstrap", "organization-deactivate", "stack-check"]) {
  test(`${name} and the shared code it imports type-check under the Edge Runtime's Deno, with the function's own deno.json`, () =>
    passes(
      DENO_BINARY,
      ["check", "--config", `supabase/functions/${name}/deno.json`, `supabase/functions/${name}/index.ts`],
      // As deployed: no package.json or node_modules; npm packages from Deno's own cache.
      denoEnv(),
    ));
}
