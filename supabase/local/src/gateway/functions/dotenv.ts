import fs from "node:fs";

/** Thrown when `supabase/functions/.env` is not in dotenv format; names the line. */
export class DotenvError extends Error {
  override readonly name = "DotenvError";
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/**
 * Parses the dotenv format the Supabase CLI reads for `supabase functions serve`:
 * `KEY=value`, optional `export `, `#` comments, single quotes (literal), double quotes (with
 * \n \r \t \" \\ escapes; both may span lines), and ` #` comments after unquoted values.
 * No `${VAR}` expansion: a value is what the file says.
 */
export function parseDotenv(text: string, source = ".env"): Map<string, string> {
  const values = new Map<string, string>();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const name = (eq < 0 ? line : line.slice(0, eq)).replace(/^export\s+/, "").trim();
    if (eq < 0 || !NAME.test(name)) throw new DotenvError(`${source} line ${lineNo}: expected NAME=value, got ${JSON.stringify(line.slice(0, 40))}`);
    let rest = line.slice(eq + 1).trimStart();
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      values.set(name, rest.replace(/\s+#.*$/, "").trim());
      continue;
    }
    // A quoted value may continue on the following lines until its closing quote.
    let value = "";
    let closed = false;
    rest = rest.slice(1);
    for (;;) {
      for (let j = 0; j < rest.length; j++) {
        const ch = rest[j]!;
        if (ch === quote) {
          closed = true;
          const after = rest.slice(j + 1).trim();
          if (after !== "" && !after.startsWith("#")) throw new DotenvError(`${source} line ${lineNo}: unexpected text after the closing quote`);
          break;
        }
        if (quote === '"' && ch === "\\" && j + 1 < rest.length) {
          const next = rest[++j]!;
          value += ESCAPES[next] ?? `\\${next}`;
        } else value += ch;
      }
      if (closed) break;
      if (++i >= lines.length) throw new DotenvError(`${source} line ${lineNo}: ${name} has no closing ${quote}`);
      value += "\n";
      rest = lines[i]!;
    }
    values.set(name, value);
  }
  return values;
}

export interface FunctionSecrets {
  readonly values: Readonly<Record<string, string>>;
  /** Entries that were skipped, one line each, for the stack log. */
  readonly warnings: readonly string[];
}

/**
 * The secrets in `supabase/functions/.env` (git-ignored). Like the Supabase CLI, names starting with
 * SUPABASE_ are skipped. Names the stack injects itself (`managed`) are skipped too, so a developer's
 * .env pointing at their own stack can never redirect a throwaway test stack's functions.
 */
export function loadFunctionSecrets(file: string, managed: ReadonlySet<string>): FunctionSecrets {
  if (!fs.existsSync(file)) return { values: {}, warnings: [] };
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [name, value] of parseDotenv(fs.readFileSync(file, "utf8"), file)) {
    if (name.startsWith("SUPABASE_")) warnings.push(`${file}: skipping ${name} (names starting with SUPABASE_ are reserved, as in the Supabase CLI)`);
    else if (managed.has(name)) warnings.push(`${file}: skipping ${name} (the local stack sets it)`);
    else values[name] = value;
  }
  return { values, warnings };
}
