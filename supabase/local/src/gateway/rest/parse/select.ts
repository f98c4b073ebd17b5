import { Scanner, readField, readName, splitTopLevel } from "./scanner.ts";
import type { SelectItem } from "./types.ts";

/** A cast target: a type name, optionally an array; checked because it is written into SQL as is. */
const CAST_TYPE = /^[A-Za-z_][A-Za-z0-9_ ]*(\[\])?$/;

/**
 * `select=` as PostgREST reads it: `*`, `col`, `alias:col`, `col::type`, `payload->>key`.
 * Embedding related tables (`rel(cols)`), spreads and aggregates are not part of this subset,
 * and say so rather than returning something different from PostgREST.
 */
export function parseSelect(text: string): SelectItem[] {
  if (text === "") return [{ kind: "star" }];
  return splitTopLevel(text).map((part) => parseSelectItem(part, text));
}

function parseSelectItem(part: string, whole: string): SelectItem {
  const s = new Scanner(whole, "select parameter");
  if (part === "*") return { kind: "star" };
  if (part.startsWith("...") || part.includes("(")) {
    throw s.fail(`"${part}": embedding related tables, spreads and aggregates are not supported by the local stack's PostgREST subset`);
  }
  const item = new Scanner(part, "select parameter");
  let alias: string | undefined;
  // `alias:col` — a single colon, not the `::` of a cast.
  const first = readName(item);
  if (item.peek(":") && !item.peek("::")) {
    item.expect(":");
    alias = first;
  } else {
    item.pos = 0;
  }
  const field = readField(item);
  let cast: string | undefined;
  if (item.eat("::")) {
    cast = item.rest();
    if (!CAST_TYPE.test(cast)) throw s.fail(`"${cast}" is not a type name`);
  }
  if (!item.done) throw s.fail(`unexpected "${item.text.slice(item.pos)}" in "${part}"`);
  return { kind: "field", field, ...(alias !== undefined ? { alias } : {}), ...(cast !== undefined ? { cast } : {}) };
}
