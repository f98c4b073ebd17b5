/**
 * Which files `supabase functions serve` mounts for a function (mounts.ts follows the CLI's import
 * walk), on throwaway projects in a temp folder. No stack needed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MountError, planMounts, stageMounts } from "../src/gateway/functions/mounts.ts";

/** A project folder with these files (paths relative to it); returns its path. */
function project(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mounts-"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

const relative = (root: string, files: readonly string[]) => files.map((file) => path.relative(root, file));

test("the walk follows relative imports, re-exports, dynamic imports and the import map, and skips npm:, node: and URLs", () => {
  const root = project({
    "supabase/functions/fn/deno.json": JSON.stringify({ imports: { "@shared/": "../../../shared/", zod: "npm:zod@4.6.7" } }),
    "supabase/functions/fn/index.ts": [
      'import { a } from "./local.ts";',
      'import {\n  b,\n} from "@shared/b.ts";',
      'export * from "../../../lib/c.ts";',
      'const d = await import("../../../lib/d.ts");',
      'import { z } from "zod";',
      'import fs from "node:fs";',
      'import x from "https://example.com/x.ts";',
    ].join("\n"),
    "supabase/functions/fn/local.ts": 'export const a = 1;',
    "shared/b.ts": 'import "./b-dep.ts";\nexport const b = 1;',
    "shared/b-dep.ts": "",
    "shared/unused.ts": "",
    "lib/c.ts": "",
    "lib/d.ts": "",
  });
  const plan = planMounts(root, path.join(root, "supabase/functions"), path.join(root, "supabase/functions/fn/index.ts"), path.join(root, "supabase/functions/fn/deno.json"));
  assert.deepEqual(relative(root, plan.folders), ["supabase/functions"]);
  assert.deepEqual(relative(root, plan.files), ["lib/c.ts", "lib/d.ts", "shared/b-dep.ts", "shared/b.ts"]);
});

test("an import map outside the functions folder is mounted too, and a missing file is skipped as the CLI only warns", () => {
  const root = project({
    "import_map.json": JSON.stringify({ imports: {} }),
    "supabase/functions/fn/index.ts": 'import "./gone.ts";',
  });
  const plan = planMounts(root, path.join(root, "supabase/functions"), path.join(root, "supabase/functions/fn/index.ts"), path.join(root, "import_map.json"));
  assert.deepEqual(relative(root, plan.files), ["import_map.json"]);
});

test("an import that reaches outside the project is refused: it could not be deployed", () => {
  const root = project({ "supabase/functions/fn/index.ts": 'import "../../../../outside.ts";' });
  fs.writeFileSync(path.join(root, "..", "outside.ts"), "");
  assert.throws(
    () => planMounts(root, path.join(root, "supabase/functions"), path.join(root, "supabase/functions/fn/index.ts"), undefined),
    (error: unknown) => error instanceof MountError && /outside the project folder/.test(error.message),
  );
});

test("staging copies exactly the plan: the functions folder and the walked files, nothing else of the project", () => {
  const root = project({
    "supabase/functions/fn/index.ts": 'import "../../../shared/a.ts";',
    "supabase/functions/_shared/cors.ts": "",
    "shared/a.ts": "",
    "shared/not-imported.ts": "",
    "package.json": "{}",
    "deno.json": "{}",
  });
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "stage-"));
  stageMounts(root, planMounts(root, path.join(root, "supabase/functions"), path.join(root, "supabase/functions/fn/index.ts"), undefined), stage);
  const staged = fs.readdirSync(stage, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.relative(stage, path.join(entry.parentPath, entry.name))).sort();
  assert.deepEqual(staged, ["shared/a.ts", "supabase/functions/_shared/cors.ts", "supabase/functions/fn/index.ts"]);
});
