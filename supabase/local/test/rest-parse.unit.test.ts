/** The PostgREST query-string grammar, as pure functions (no stack needed). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { RestError } from "../src/gateway/rest/errors.ts";
import { parseFilter } from "../src/gateway/rest/parse/filter.ts";
import { parseOrder } from "../src/gateway/rest/parse/order.ts";
import { parseQuery } from "../src/gateway/rest/parse/query.ts";
import { parseSelect } from "../src/gateway/rest/parse/select.ts";
import { renderFilter } from "../src/gateway/rest/sql/expressions.ts";
import { Params } from "../src/gateway/rest/sql/text.ts";

const col = (name: string) => ({ name, path: [] });

function assertParseError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RestError);
    assert.equal(error.status, 400);
    assert.equal((error.body as { code: string }).code, "PGRST100");
    assert.match(`${error.message}: ${(error.body as { details: string }).details}`, pattern);
    return true;
  });
}

describe("filters", () => {
  test("eq keeps everything after the operator, dots included", () => {
    assert.deepEqual(parseFilter("event_type", "eq.organization.bootstrap.initiated"), {
      kind: "condition", field: col("event_type"), negated: false, operator: "eq", value: "organization.bootstrap.initiated",
    });
  });

  test("in reads a parenthesised list where double quotes protect commas", () => {
    assert.deepEqual(parseFilter("name", 'in.(a,b,"c,d","e\\"f")'), {
      kind: "condition", field: col("name"), negated: false, operator: "in", values: ["a", "b", "c,d", 'e"f'],
    });
    assert.deepEqual(parseFilter("name", "in.()"), { kind: "condition", field: col("name"), negated: false, operator: "in", values: [] });
  });

  test("not., is. and a JSON path in the column", () => {
    assert.deepEqual(parseFilter("event_data->>organization_id", "not.is.null"), {
      kind: "condition",
      field: { name: "event_data", path: [{ arrow: "->>", key: "organization_id" }] },
      negated: true,
      operator: "is",
      value: "null",
    });
  });

  test("a logic tree nests and/or and reads quoted values", () => {
    const tree = parseFilter("or", '(a.eq.1,and(b.gt.2,c.in.(x,y)),d.eq."p,q")');
    assert.deepEqual(tree, {
      kind: "logic",
      operator: "or",
      negated: false,
      children: [
        { kind: "condition", field: col("a"), negated: false, operator: "eq", value: "1" },
        {
          kind: "logic",
          operator: "and",
          negated: false,
          children: [
            { kind: "condition", field: col("b"), negated: false, operator: "gt", value: "2" },
            { kind: "condition", field: col("c"), negated: false, operator: "in", values: ["x", "y"] },
          ],
        },
        { kind: "condition", field: col("d"), negated: false, operator: "eq", value: "p,q" },
      ],
    });
  });

  test("values become bind parameters and identifiers are quoted", () => {
    const params = new Params();
    const sql = renderFilter('"public"."t"', parseFilter('"we\\"ird"', "like.*'; drop table x; --*"), params);
    assert.equal(sql, `"public"."t"."we""ird" LIKE $1`);
    assert.deepEqual(params.values, ["%'; drop table x; --%"]);
  });

  test("unknown operators, bad is. values and embedded-resource filters are PGRST100", () => {
    assertParseError(() => parseFilter("a", "equals.1"), /failed to parse filter/);
    assertParseError(() => parseFilter("a", "is.maybe"), /failed to parse filter/);
    assertParseError(() => parseFilter("rel.a", "eq.1"), /failed to parse filter/);
    assertParseError(() => parseFilter("or", "(a.eq.1"), /failed to parse logic tree/);
  });
});

describe("select and order", () => {
  test("select reads aliases, casts and JSON paths, and refuses embedding", () => {
    assert.deepEqual(parseSelect("id,kind:event_type,n:event_data->>n::int"), [
      { kind: "field", field: col("id") },
      { kind: "field", field: col("event_type"), alias: "kind" },
      { kind: "field", field: { name: "event_data", path: [{ arrow: "->>", key: "n" }] }, alias: "n", cast: "int" },
    ]);
    assertParseError(() => parseSelect("id,organizations(name)"), /embedding/);
    assertParseError(() => parseSelect("id::text;drop"), /not a type name/);
  });

  test("order reads several terms with directions and nulls placement", () => {
    assert.deepEqual(parseOrder("created_at.desc.nullslast,id"), [
      { field: col("created_at"), direction: "desc", nulls: "last" },
      { field: col("id"), direction: "asc" },
    ]);
    assertParseError(() => parseOrder("id.sideways"), /failed to parse order/);
  });

  test("limit and offset must be non-negative integers; reserved keys are not filters", () => {
    const parsed = parseQuery(new URLSearchParams("select=id&limit=5&offset=10&apikey=k&order=id.desc&columns=a,%22b%22"));
    assert.equal(parsed.read.limit, 5);
    assert.equal(parsed.read.offset, 10);
    assert.deepEqual(parsed.read.filters, []);
    assert.deepEqual(parsed.columns, ["a", "b"]);
    assertParseError(() => parseQuery(new URLSearchParams("limit=-1")), /limit/);
  });
});
