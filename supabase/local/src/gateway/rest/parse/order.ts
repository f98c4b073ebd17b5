import { Scanner, readField, splitTopLevel } from "./scanner.ts";
import type { OrderTerm } from "./types.ts";

/** `order=col.desc.nullslast,other` as PostgREST reads it (direction defaults to asc). */
export function parseOrder(text: string): OrderTerm[] {
  return splitTopLevel(text).map((part) => {
    const s = new Scanner(part, "order");
    const field = readField(s);
    let direction: OrderTerm["direction"] = "asc";
    let nulls: OrderTerm["nulls"];
    if (s.eat(".asc")) direction = "asc";
    else if (s.eat(".desc")) direction = "desc";
    if (s.eat(".nullsfirst")) nulls = "first";
    else if (s.eat(".nullslast")) nulls = "last";
    if (!s.done) throw s.fail(`unexpected "${s.rest()}": expected .asc, .desc, .nullsfirst or .nullslast`);
    return { field, direction, ...(nulls ? { nulls } : {}) };
  });
}
