/**
 * stack-check: the local stack's own Edge Functions self-test (not part of the product; don't
 * deploy it). Echoes what the function sees of a request, which injected variables are present
 * (names only, never values), and that supabase-js loads from its own deno.json.
 */
import { createClient } from "@supabase/supabase-js";
import { corsHeaders, preflight } from "../_shared/cors.ts";

/** What Supabase injects into every function (plus the product's Temporal settings). */
const INJECTED = ["SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_DB_URL", "SUPABASE_JWKS"];
const MAX_ECHO_BYTES = 64 * 1024;

Deno.serve(async (req) => {
  const answer = preflight(req);
  if (answer) return answer;

  const url = new URL(req.url);
  const supabaseUrl = Deno.env.get("SUPABASE_URL");
  const serviceRoleKey = Deno.env.get("SUPABASE_SERVICE_ROLE_KEY");
  // Constructing a client makes no request; it proves the npm graph resolved and loaded.
  const client = supabaseUrl && serviceRoleKey ? createClient(supabaseUrl, serviceRoleKey, { auth: { persistSession: false } }) : null;
  const body = req.body ? await req.text() : "";

  return Response.json(
    {
      method: req.method,
      path: url.pathname,
      query: url.search,
      body: body.length > MAX_ECHO_BYTES ? `${body.slice(0, MAX_ECHO_BYTES)}…` : body,
      env: Object.fromEntries(INJECTED.map((name) => [name, Boolean(Deno.env.get(name))])),
      envNames: Object.keys(Deno.env.toObject()).sort(),
      supabaseJs: typeof client?.from === "function",
    },
    { headers: corsHeaders },
  );
});
