import assert from "node:assert/strict";
import { corsHeaders as supabaseJsCors } from "@supabase/supabase-js/cors";
import { corsHeaders, preflight } from "./cors.ts";

const list = (value: string | undefined) => new Set((value ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean));

Deno.test("cors: allows every header and method supabase-js sends (its canonical @supabase/supabase-js/cors list)", () => {
  for (const name of ["Access-Control-Allow-Headers", "Access-Control-Allow-Methods"]) {
    const ours = list(corsHeaders[name]);
    for (const value of list(supabaseJsCors[name])) assert.ok(ours.has(value), `${name} lacks ${value}`);
  }
  assert.ok(list(corsHeaders["Access-Control-Allow-Headers"]).has("idempotency-key"));
  assert.equal(corsHeaders["Access-Control-Allow-Origin"], "*");
});

Deno.test("cors: preflight answers OPTIONS with the headers and nothing else", async () => {
  const answer = preflight(new Request("http://local/fn", { method: "OPTIONS" }));
  assert.ok(answer !== null);
  assert.equal(answer.status, 200);
  assert.equal(await answer.text(), "ok");
  assert.equal(answer.headers.get("access-control-allow-headers"), corsHeaders["Access-Control-Allow-Headers"]);
  assert.equal(preflight(new Request("http://local/fn", { method: "POST" })), null);
});
