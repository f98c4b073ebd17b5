/**
 * CORS for functions called from a browser through supabase-js. The header list is supabase-js's
 * own (`@supabase/supabase-js/cors`, kept in sync by cors.unit.test.ts) plus `idempotency-key`, which
 * the product's frontend sends; self-contained so any function can import it whatever its deno.json.
 */
export const corsHeaders: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers":
    "authorization, x-client-info, apikey, content-type, x-retry-count, traceparent, tracestate, baggage, idempotency-key",
  "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
};

/** The answer to a CORS preflight, or null when `req` is not one. */
export function preflight(req: Request): Response | null {
  return req.method === "OPTIONS" ? new Response("ok", { headers: corsHeaders }) : null;
}
