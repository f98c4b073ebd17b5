import { fileURLToPath } from "node:url";
import path from "node:path";

/** Repository root: this file lives at supabase/local/src/paths.ts. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const SUPABASE_DIR = path.join(REPO_ROOT, "supabase");
export const MIGRATIONS_DIR = path.join(SUPABASE_DIR, "migrations");
export const FUNCTIONS_DIR = path.join(SUPABASE_DIR, "functions");
export const CONFIG_TOML = path.join(SUPABASE_DIR, "config.toml");
/**
 * Deno itself: the native executable from Deno's npm platform package (`@deno/linux-x64-glibc`,
 * pinned in supabase/local/package.json; JSR and deno.land are not needed, or reachable). The npm package `deno`
 * 2.1.4 is not used: it lists platform packages the registry does not have, which breaks `npm ci`,
 * and its bin is a Node script running Deno as a child, which signals would not reach.
 */
export const DENO_BINARY = path.join(
  REPO_ROOT,
  "node_modules",
  "@deno",
  `${process.platform === "win32" ? "win32" : process.platform}-${process.arch === "x64" ? "x64" : "arm64"}${process.platform === "linux" ? "-glibc" : ""}`,
  process.platform === "win32" ? "deno.exe" : "deno",
);
/** Debian's Chromium, for the try-it page's browser test (`npm test` installs it as root). */
export const CHROMIUM_BINARY = "/usr/bin/chromium";
/** Everything the stack writes lives here (git-ignored). */
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, ".local");
/** The Deno cache for the project's own Deno runs (tests, benchmarks): npm packages land here, never in node_modules. */
export const DENO_CACHE_DIR = path.join(DEFAULT_DATA_DIR, "deno-cache");

/**
 * What every Deno process the project starts needs in its environment:
 * - DENO_DIR: Deno's own cache, where npm packages are fetched to (never a node_modules);
 * - DENO_TLS_CA_STORE=system: Deno's npm fetch trusts the machine's CA store (networks that
 *   re-sign TLS make its built-in roots fail with UnknownIssuer);
 * - DENO_NO_PACKAGE_JSON: no package.json is looked for, as none is mounted into the Edge Runtime;
 * - no colours and no update check: output is read by programs.
 */
export function denoEnv(denoDir: string = process.env.DENO_DIR ?? DENO_CACHE_DIR): Record<string, string> {
  return { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_TLS_CA_STORE: "system", DENO_NO_PACKAGE_JSON: "1", DENO_DIR: denoDir };
}
