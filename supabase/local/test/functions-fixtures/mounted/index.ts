// @ts-nocheck -- runs under Deno; the Node project's tsc has no Deno types.
// Fixture for functions-serve-parity.test.ts: reports what the function can see of the project and
// of its runtime. Paths are relative to the working directory, the project folder as under serve.
import { imported } from "../../functions-support/imported.ts";

const PATHS = [
  "deno.json",
  "package.json",
  "node_modules",
  "supabase/local/test/functions-support/imported.ts",
  "supabase/local/test/functions-support/not-imported.ts",
  "supabase/local/test/functions-fixtures/echo/index.ts",
];

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

Deno.serve((_request, info) =>
  Response.json({
    deno: Deno.version.deno,
    imported,
    infoKeys: Object.keys(info ?? {}).sort(),
    exists: Object.fromEntries(PATHS.map((file) => [file, exists(file)])),
  })
);
