// @ts-nocheck -- runs under Deno; the Node project's tsc has no Deno types.
// Fixture: stays alive but never calls Deno.serve, so the gateway's boot timeout must end it.
export {};
setInterval(() => {}, 1000);
