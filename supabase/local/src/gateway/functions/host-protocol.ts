/**
 * What the gateway and deno-host.ts (the shim imported first inside each function's Deno process)
 * agree on. Plain constants, imported by both Node and Deno.
 */

/** deno-host.ts prints this followed by the port and a newline on stdout once Deno.serve listens. */
export const LISTENING_MARKER = "@@supabase-local-functions:listening:";

/** Comma-separated names of variables only Deno needs (PATH, HOME, …); deno-host.ts deletes them. */
export const HOST_ENV_VARIABLE = "SUPABASE_INTERNAL_HOST_ENV";
