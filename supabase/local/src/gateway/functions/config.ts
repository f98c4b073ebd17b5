import fs from "node:fs";
import path from "node:path";
import { parseConfigToml } from "../../config-toml.ts";
import { StackError } from "../../errors.ts";

/** The per-function settings of `supabase/config.toml` that the local runtime honours. */
export interface FunctionSettings {
  /** Require a valid JWT in `Authorization: Bearer …` before the function runs (default true, as in the Supabase CLI). */
  readonly verifyJwt: boolean;
  /** `enabled = false` makes the function unknown (404), as `supabase functions serve` skips it. */
  readonly enabled: boolean;
}

export type FunctionsConfig = (name: string) => FunctionSettings;

const DEFAULTS: FunctionSettings = { verifyJwt: true, enabled: true };
const SUPPORTED = new Set(["verify_jwt", "enabled"]);
/** Valid in the Supabase CLI but not implemented here: refuse them rather than silently differ. */
const UNSUPPORTED = new Set(["import_map", "entrypoint", "static_files"]);

/**
 * Reads `[functions.<name>]` from the project's config.toml. Every problem is reported at once,
 * one per line, and stops the stack from starting. A missing file means all defaults.
 */
export function readFunctionsConfig(file: string): FunctionsConfig {
  if (!fs.existsSync(file)) return () => DEFAULTS;
  return parseFunctionsConfig(fs.readFileSync(file, "utf8"), path.relative(process.cwd(), file) || file);
}

export function parseFunctionsConfig(text: string, source: string): FunctionsConfig {
  const doc = parseConfigToml(text, source);
  const section = doc.functions ?? {};
  const problems: string[] = [];
  const settings = new Map<string, FunctionSettings>();
  if (!isTable(section)) problems.push("`functions` must be a table of [functions.<name>] sections");
  else {
    for (const [name, entry] of Object.entries(section)) {
      if (!isTable(entry)) {
        problems.push(`[functions.${name}] must be a table`);
        continue;
      }
      const read = (key: string, fallback: boolean): boolean => {
        const value = entry[key];
        if (value === undefined) return fallback;
        if (typeof value === "boolean") return value;
        problems.push(`[functions.${name}] ${key} must be true or false, got ${JSON.stringify(value)}`);
        return fallback;
      };
      for (const key of Object.keys(entry)) {
        if (UNSUPPORTED.has(key)) problems.push(`[functions.${name}] ${key} is not supported by the local stack (use the function's own deno.json)`);
        else if (!SUPPORTED.has(key)) problems.push(`[functions.${name}] has an unknown setting ${key}`);
      }
      settings.set(name, { verifyJwt: read("verify_jwt", DEFAULTS.verifyJwt), enabled: read("enabled", DEFAULTS.enabled) });
    }
  }
  if (problems.length > 0) {
    throw new StackError(`${source} has ${problems.length} problem(s) in [functions]:\n  - ${problems.join("\n  - ")}`, `edit ${source}`);
  }
  return (name) => settings.get(name) ?? DEFAULTS;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
