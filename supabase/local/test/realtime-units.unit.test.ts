/** Pure parts of the local Realtime: filter syntax and evaluation, value typing, Phoenix frames. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFilter, rowPassesFilter, likePattern, type ResolvedCondition } from "../src/gateway/realtime/filter.ts";
import { commitTimestamp, parseArrayLiteral, toJsonValue, type ColumnType } from "../src/gateway/realtime/values.ts";
import { decodeFrame, encodeFrame, parseVsn } from "../src/gateway/realtime/phoenix.ts";
import { lsnBefore } from "../src/gateway/realtime/replication.ts";

const resolved = (filter: string, numeric = false): ResolvedCondition[] =>
  parseFilter(filter).map((c) => ({
    ...c,
    numeric,
    ...(c.op === "like" || c.op === "ilike" ? { pattern: likePattern(c.values[0]!, c.op === "ilike") } : {}),
  }));

test("a filter splits at the first = and the first . only, so dotted values survive", () => {
  assert.deepEqual(parseFilter("event_type=eq.organization.bootstrap.initiated"), [
    { column: "event_type", op: "eq", negate: false, values: ["organization.bootstrap.initiated"] },
  ]);
  assert.deepEqual(parseFilter("a=eq.x=y"), [{ column: "a", op: "eq", negate: false, values: ["x=y"] }]);
});

test("commas join conditions, except inside quotes or an in list; not. negates", () => {
  assert.deepEqual(parseFilter('id=gt.0,name=eq."a,b",id=not.in.(1,"2,3")'), [
    { column: "id", op: "gt", negate: false, values: ["0"] },
    { column: "name", op: "eq", negate: false, values: ["a,b"] },
    { column: "id", op: "in", negate: true, values: ["1", "2,3"] },
  ]);
});

test("malformed filters and unsupported operators are refused with a message naming the problem", () => {
  assert.throws(() => parseFilter("no-operator"), /expected column=operator\.value/);
  assert.throws(() => parseFilter("id=between.1"), /unknown operator "between"/);
  assert.throws(() => parseFilter("name=match.^a"), /"match" is not supported by the local stack/);
  assert.throws(() => parseFilter("id=in.1,2"), /in expects a list/);
  assert.throws(() => parseFilter("flag=is.maybe"), /must be null, true, false, or unknown/);
  assert.throws(() => parseFilter(`id=in.(${Array.from({ length: 101 }, (_, i) => i).join(",")})`), /Maximum 100/);
});

test("comparisons follow SQL: numeric columns compare as numbers, NULL matches only is.null", () => {
  assert.equal(rowPassesFilter(resolved("n=gt.9", true), { n: "10" }), true, "10 > 9 numerically");
  assert.equal(rowPassesFilter(resolved("n=gt.9", false), { n: "10" }), false, "'10' < '9' as text");
  assert.equal(rowPassesFilter(resolved("n=eq.1", true), { n: "1.00" }), true);
  assert.equal(rowPassesFilter(resolved("n=in.(1,3)", true), { n: "3" }), true);
  assert.equal(rowPassesFilter(resolved("n=in.(1,3)", true), { n: "2" }), false);
  assert.equal(rowPassesFilter(resolved("n=neq.1", true), { n: null }), false, "NULL <> 1 is unknown");
  assert.equal(rowPassesFilter(resolved("n=not.eq.1", true), { n: null }), false, "NOT unknown is unknown");
  assert.equal(rowPassesFilter(resolved("n=is.null"), { n: null }), true);
  assert.equal(rowPassesFilter(resolved("n=not.is.null"), { n: null }), false);
  assert.equal(rowPassesFilter(resolved("n=isdistinct.1", true), { n: null }), true);
  assert.equal(rowPassesFilter(resolved("f=is.true"), { f: "t" }), true);
});

test("a column the row does not carry fails its condition; an empty filter passes everything", () => {
  assert.equal(rowPassesFilter(resolved("body=eq.x"), { id: "1" }), false);
  assert.equal(rowPassesFilter([], null), true);
});

test("like and ilike use SQL wildcards, anchored", () => {
  assert.equal(rowPassesFilter(resolved("s=like.org.%.init_ated"), { s: "org.bootstrap.initiated" }), true);
  assert.equal(rowPassesFilter(resolved("s=like.org%"), { s: "xorg" }), false);
  assert.equal(rowPassesFilter(resolved("s=ilike.ORG%"), { s: "org.x" }), true);
  assert.equal(rowPassesFilter(resolved("s=like.100\\%"), { s: "100%" }), true);
  assert.equal(rowPassesFilter(resolved("s=like.100\\%"), { s: "1000" }), false);
  assert.equal(rowPassesFilter(resolved("s=like.a-b/[c]{d}|e^$+?*"), { s: "a-b/[c]{d}|e^$+?*" }), true, "regex characters are literal");
  assert.equal(rowPassesFilter(resolved("s=like.a-b/[c]{d}|e^$+?*"), { s: "a-b/c{d}|e^$+?*" }), false);
});

const type = (kind: ColumnType["kind"], element?: ColumnType["kind"]): ColumnType => ({
  name: "t",
  kind,
  numeric: kind === "number",
  ...(element ? { element } : {}),
});

test("values are typed as to_jsonb types them", () => {
  assert.equal(toJsonValue("42", type("number")), 42);
  assert.equal(toJsonValue("NaN", type("number")), "NaN");
  assert.equal(toJsonValue("t", type("bool")), true);
  assert.deepEqual(toJsonValue('{"a": [1, {"b": null}]}', type("json")), { a: [1, { b: null }] });
  assert.equal(toJsonValue("2026-01-01 10:00:00.123456+00", type("timestamptz")), "2026-01-01T10:00:00.123456+00:00");
  assert.equal(toJsonValue("2026-01-01 10:00:00+05:30", type("timestamptz")), "2026-01-01T10:00:00+05:30");
  assert.equal(toJsonValue("2026-01-01 10:00:00", type("timestamp")), "2026-01-01T10:00:00");
  assert.equal(toJsonValue("infinity", type("timestamptz")), "infinity");
  assert.equal(toJsonValue(null, type("number")), null);
  assert.deepEqual(toJsonValue('{1,NULL,3}', type("text", "number")), [1, null, 3]);
  assert.deepEqual(toJsonValue('{"a,b","say \\"hi\\"",NULL,plain}', type("text", "text")), ["a,b", 'say "hi"', null, "plain"]);
  assert.deepEqual(toJsonValue("{{1,2},{3,4}}", type("text", "number")), [[1, 2], [3, 4]]);
  assert.deepEqual(toJsonValue("{}", type("text", "text")), []);
});

test("an array literal that does not parse is passed through as text, never mangled", () => {
  assert.equal(parseArrayLiteral("{1,2"), undefined);
  assert.equal(toJsonValue("{1,2", type("text", "number")), "{1,2");
});

test("commit_timestamp is UTC with milliseconds, as Realtime formats it", () => {
  assert.equal(commitTimestamp(1767261600123456n), "2026-01-01T10:00:00.123Z");
});

test("Phoenix frames: vsn 2.0.0 arrays, vsn 1.0.0 objects without join_ref", () => {
  assert.equal(parseVsn(null), "1.0.0");
  assert.equal(parseVsn("2.0.0"), "2.0.0");
  assert.equal(parseVsn("3.0.0"), undefined);
  const message = { joinRef: "1", ref: "2", topic: "realtime:x", event: "phx_join", payload: { a: 1 } };
  assert.deepEqual(decodeFrame("2.0.0", encodeFrame("2.0.0", message)), message);
  assert.deepEqual(JSON.parse(encodeFrame("1.0.0", message)), { topic: "realtime:x", event: "phx_join", payload: { a: 1 }, ref: "2" });
  assert.deepEqual(decodeFrame("1.0.0", '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"7"}'), {
    joinRef: null, ref: "7", topic: "phoenix", event: "heartbeat", payload: {},
  });
  assert.equal(decodeFrame("2.0.0", "not json"), undefined);
  assert.equal(decodeFrame("2.0.0", '["1","2","t"]'), undefined);
});

test("lsnBefore steps back one byte across the 32-bit boundary, so an acknowledgement reports exactly the LSN sent", () => {
  assert.equal(lsnBefore("0/16B3749"), "0/16B3748");
  assert.equal(lsnBefore("1/0"), "0/FFFFFFFF");
  assert.equal(lsnBefore("A/10"), "A/F");
  assert.equal(lsnBefore("0/0"), "0/0");
});
