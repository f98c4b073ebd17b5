/**
 * Column values typed as real Realtime sends them: it builds each record with `to_jsonb(value::type)`,
 * so numbers are JSON numbers, booleans booleans, json/jsonb parsed, timestamps ISO-8601 with a `T`,
 * arrays JSON arrays and everything else the text Postgres prints.
 *
 * Input is the text pgoutput sends, printed by the replication session with TimeZone=UTC and
 * DateStyle=ISO (see db.ts), e.g. `2026-01-01 10:00:00.123456+00`.
 */

export type ValueKind = "number" | "bool" | "json" | "timestamptz" | "timestamp" | "text";

export interface ColumnType {
  /** pg_type.typname, what Realtime reports in `columns[].type` (e.g. int8, jsonb, _text). */
  readonly name: string;
  readonly kind: ValueKind;
  /** Set for array types: how each element is typed. */
  readonly element?: ValueKind;
  /** Compare numerically in filters. */
  readonly numeric: boolean;
}

/** The JSON category to_jsonb gives a base type (json.c's json_categorize_type). */
export function kindOf(baseTypeName: string): ValueKind {
  switch (baseTypeName) {
    case "int2": case "int4": case "int8": case "float4": case "float8": case "numeric": case "oid":
      return "number";
    case "bool": return "bool";
    case "json": case "jsonb": return "json";
    case "timestamptz": return "timestamptz";
    case "timestamp": return "timestamp";
    default: return "text";
  }
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const ISO_TIMESTAMP = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d){0,2})?$/;

/** `2026-01-01 10:00:00.123456+00` → `2026-01-01T10:00:00.123456+00:00` (to_jsonb's XSD form). */
function isoTimestamp(text: string, withZone: boolean): string {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return text; // infinity, BC dates: passed through as printed
  const [, date, time, zone] = match;
  if (!withZone || zone === undefined) return `${date}T${time}`;
  return `${date}T${time}${zone.length === 3 ? `${zone}:00` : zone}`;
}

function scalar(text: string, kind: ValueKind): JsonValue {
  switch (kind) {
    case "number": {
      // NaN and ±Infinity have no JSON number: to_jsonb prints them as strings.
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case "bool": return text === "t" || text === "true";
    case "json":
      try {
        return JSON.parse(text) as JsonValue;
      } catch {
        return text;
      }
    case "timestamptz": return isoTimestamp(text, true);
    case "timestamp": return isoTimestamp(text, false);
    case "text": return text;
  }
}

/** Converts one printed column value; null stays null. */
export function toJsonValue(text: string | null, type: ColumnType): JsonValue {
  if (text === null) return null;
  if (type.element !== undefined) {
    const parsed = parseArrayLiteral(text);
    return parsed === undefined ? text : mapArray(parsed, type.element);
  }
  return scalar(text, type.kind);
}

type ArrayItem = string | null | ArrayItem[];

function mapArray(items: ArrayItem[], kind: ValueKind): JsonValue[] {
  return items.map((item) => (item === null ? null : Array.isArray(item) ? mapArray(item, kind) : scalar(item, kind)));
}

/**
 * Parses Postgres' array output (`{1,NULL,"a,b",{…}}`, optionally prefixed by bounds `[0:1]=`).
 * Returns undefined for anything it does not understand, so the caller falls back to the text.
 */
export function parseArrayLiteral(text: string): ArrayItem[] | undefined {
  let i = 0;
  if (text.startsWith("[")) {
    const eq = text.indexOf("=");
    if (eq < 0) return undefined;
    i = eq + 1;
  }
  const parseLevel = (): ArrayItem[] | undefined => {
    if (text[i] !== "{") return undefined;
    i++;
    const items: ArrayItem[] = [];
    if (text[i] === "}") {
      i++;
      return items;
    }
    for (;;) {
      if (text[i] === "{") {
        const nested = parseLevel();
        if (!nested) return undefined;
        items.push(nested);
      } else if (text[i] === '"') {
        i++;
        let value = "";
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\") i++;
          value += text[i] ?? "";
          i++;
        }
        if (text[i] !== '"') return undefined;
        i++;
        items.push(value);
      } else {
        const start = i;
        while (i < text.length && text[i] !== "," && text[i] !== "}") i++;
        const raw = text.slice(start, i);
        items.push(raw === "NULL" ? null : raw);
      }
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return items;
      }
      return undefined;
    }
  };
  const result = parseLevel();
  return result !== undefined && i === text.length ? result : undefined;
}

/**
 * `commit_timestamp` as Realtime formats it: UTC with milliseconds,
 * `to_char(ts at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.
 */
export function commitTimestamp(micros: bigint): string {
  return new Date(Number(micros / 1000n)).toISOString();
}
