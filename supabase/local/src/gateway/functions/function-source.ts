import fs from "node:fs";
import path from "node:path";

/** Where a function's code and Deno configuration live. */
export interface FunctionSource {
  readonly name: string;
  readonly dir: string;
  readonly entrypoint: string;
  /**
   * The function's own deno.json(c), Supabase's recommended setup. Without one the function runs
   * with no configuration: the project's root deno.json is never mounted into the Edge Runtime.
   */
  readonly denoConfig?: string;
}

/** Supabase's rule for function names; it also keeps `_shared`, dot-folders and path tricks out. */
const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
/** Folders under supabase/functions/ that hold helpers or tests, never a function. */
const NOT_FUNCTIONS = new Set(["tests"]);

/**
 * Looks a function up on disk at request time, so a function added while the stack runs is found
 * without a restart. Returns undefined for anything that is not `<name>/index.ts`.
 */
export function findFunction(functionsDir: string, name: string): FunctionSource | undefined {
  if (!FUNCTION_NAME.test(name) || NOT_FUNCTIONS.has(name)) return undefined;
  const dir = path.join(functionsDir, name);
  const entrypoint = path.join(dir, "index.ts");
  if (!isFile(entrypoint)) return undefined;
  const own = ["deno.json", "deno.jsonc"].map((file) => path.join(dir, file)).find(isFile);
  return { name, dir, entrypoint, ...(own ? { denoConfig: own } : {}) };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
