/** The parsed form of PostgREST's query string: what a request reads, filters and orders by. */

/** One step of a JSON path: `->key`, `->>key`, or an array index (`->0`). */
export interface JsonStep {
  readonly arrow: "->" | "->>";
  readonly key: string | number;
}

/** A column, optionally followed by a JSON path (`payload->>organization_id`). */
export interface Field {
  readonly name: string;
  readonly path: readonly JsonStep[];
}

export type SelectItem =
  | { readonly kind: "star" }
  | { readonly kind: "field"; readonly field: Field; readonly alias?: string; readonly cast?: string };

export type Operator =
  | "eq" | "neq" | "gt" | "gte" | "lt" | "lte"
  | "like" | "ilike" | "match" | "imatch"
  | "in" | "is" | "isdistinct"
  | "cs" | "cd" | "ov" | "sl" | "sr" | "nxr" | "nxl" | "adj"
  | "fts" | "plfts" | "phfts" | "wfts";

export type IsValue = "null" | "not_null" | "true" | "false" | "unknown";

export type Condition =
  | {
      readonly kind: "condition";
      readonly field: Field;
      readonly negated: boolean;
      readonly operator: "in";
      readonly values: readonly string[];
    }
  | {
      readonly kind: "condition";
      readonly field: Field;
      readonly negated: boolean;
      readonly operator: "is";
      readonly value: IsValue;
    }
  | {
      readonly kind: "condition";
      readonly field: Field;
      readonly negated: boolean;
      readonly operator: Exclude<Operator, "in" | "is">;
      readonly value: string;
      /** `eq(any).{a,b}`: compare with any / all elements of an array literal. */
      readonly quantifier?: "any" | "all";
      /** `fts(english).word`: the text search configuration. */
      readonly language?: string;
    };

export interface Logic {
  readonly kind: "logic";
  readonly operator: "and" | "or";
  readonly negated: boolean;
  readonly children: readonly Filter[];
}

export type Filter = Condition | Logic;

export interface OrderTerm {
  readonly field: Field;
  readonly direction: "asc" | "desc";
  readonly nulls?: "first" | "last";
}
