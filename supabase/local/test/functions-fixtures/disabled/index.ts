// @ts-nocheck -- runs under Deno; the Node project's tsc has no Deno types.
// Fixture: enabled = false in config.toml: the gateway must answer 404.
Deno.serve(() => new Response("disabled ran"));
