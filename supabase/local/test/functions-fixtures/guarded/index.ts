// @ts-nocheck -- runs under Deno; the Node project's tsc has no Deno types.
// Fixture: no [functions.guarded] section, so the gateway applies verify_jwt's default (true).
Deno.serve(() => new Response("guarded ok"));
