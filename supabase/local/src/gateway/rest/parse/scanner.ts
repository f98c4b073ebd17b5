import { parseError, type RestError } from "../errors.ts";
import type { Field, JsonStep } from "./types.ts";

/** Characters that end an unquoted name in PostgREST's grammar (plus `->`, which starts a JSON path). */
const NAME_STOP = new Set([",", ".", ":", "(", ")", '"']);

/** A cursor over one query-string value; failures become PGRST100 errors naming the whole input. */
export class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    private readonly what: string,
  ) {
    if (text.includes("\0")) throw this.fail("NUL bytes are not allowed");
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  eat(token: string): boolean {
    if (!this.peek(token)) return false;
    this.pos += token.length;
    return true;
  }

  expect(token: string): void {
    if (!this.eat(token)) throw this.fail(`expected "${token}" at position ${this.pos + 1}`);
  }

  rest(): string {
    const rest = this.text.slice(this.pos);
    this.pos = this.text.length;
    return rest;
  }

  fail(details: string): RestError {
    return parseError(this.what, this.text, details);
  }
}

/** `"quoted \" name"` (backslash escapes, as PostgREST) or an unquoted run up to a delimiter. */
export function readName(s: Scanner, kind = "a column name"): string {
  if (s.eat('"')) {
    let out = "";
    while (!s.done && !s.peek('"')) {
      if (s.eat("\\")) {
        if (s.done) break;
      }
      out += s.text[s.pos++];
    }
    s.expect('"');
    if (out.length === 0) throw s.fail(`empty quoted ${kind}`);
    return out;
  }
  const start = s.pos;
  while (!s.done && !NAME_STOP.has(s.text[s.pos]!) && !s.peek("->")) s.pos++;
  const name = s.text.slice(start, s.pos);
  if (name.length === 0) throw s.fail(`expected ${kind} at position ${start + 1}`);
  return name;
}

/** A column name followed by any number of `->key` / `->>key` steps (an integer key is an array index). */
export function readField(s: Scanner): Field {
  const name = readName(s);
  const path: JsonStep[] = [];
  while (s.peek("->")) {
    const arrow = s.eat("->>") ? "->>" : (s.expect("->"), "->");
    const keyQuoted = s.peek('"');
    const key = readName(s, "a JSON key");
    path.push({ arrow, key: !keyQuoted && /^-?\d+$/.test(key) ? Number(key) : key });
  }
  return { name, path };
}

/** Splits on commas outside double quotes and parentheses (select and order lists). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth++;
    else if (!quoted && c === ")") depth--;
    else if (!quoted && depth === 0 && c === ",") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
