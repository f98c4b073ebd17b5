import { fileURLToPath } from "node:url";
import path from "node:path";

/** Repository root: this file lives at supabase/local/src/paths.ts. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const SUPABASE_DIR = path.join(REPO_ROOT, "supabase");
export const MIGRATIONS_DIR = path.join(SUPABASE_DIR, "migrations");
export const FUNCTIONS_DIR = path.join(SUPABASE_DIR, "functions");
export const CONFIG_TOML = path.join(SUPABASE_DIR, "config.toml");
/** Deno itself, from the npm package `deno` (JSR and deno.land are not needed, or reachable). */
export const DENO_BINARY = path.join(REPO_ROOT, "node_modules", ".bin", "deno");
/** Everything the stack writes lives here (git-ignored). */
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, ".local");
