import { parse } from "smol-toml";
import { StackError } from "./errors.ts";

/**
 * Parses supabase/config.toml (or a test's copy); a syntax error stops the stack with one line
 * naming the file, line and column. `source` is how the file is named in that line.
 */
export function parseConfigToml(text: string, source: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    const { message, line, column } = error as Error & { line?: number; column?: number };
    const where = line === undefined ? source : `${source}:${line}:${column ?? 1}`;
    throw new StackError(`${where}: ${message.split("\n")[0]}`, `fix the syntax in ${source}`, { cause: error });
  }
}
