// @ts-nocheck -- runs under Deno; the Node project's tsc has no Deno types.
// Fixture: fails to boot (a missing import), as a typo in a real function would.
import "./missing-module.ts";

Deno.serve(() => new Response("unreachable"));
