// @ts-nocheck -- runs under Deno.
// Fixture: a folder that is never a function, though it has an index.ts.
Deno.serve(() => new Response("must not run"));
