// @ts-nocheck -- runs under Deno; the Node project's tsc has no Deno types.
// Fixture for functions-runtime.test.ts: reports what it sees, and misbehaves on request.
Deno.serve(async (req) => {
  const url = new URL(req.url);
  const route = url.pathname.split("/")[2] ?? "";
  if (route === "stream") return new Response(req.body); // echoes the upload as it arrives
  if (route === "exit") Deno.exit(3);
  // Refuses without reading the upload, as organization-bootstrap does for a body over its own limit.
  if (route === "refuse") return Response.json({ error: "too large" }, { status: 413 });
  if (route === "hang") {
    req.signal.addEventListener("abort", () => console.log(`echo: request ${url.searchParams.get("id")} aborted`));
    return new Promise(() => {});
  }
  const body = req.body ? await req.text() : "";
  return Response.json(
    {
      pid: Deno.pid,
      method: req.method,
      path: url.pathname,
      query: url.search,
      headers: Object.fromEntries(req.headers),
      bodyLength: body.length,
      envNames: Object.keys(Deno.env.toObject()).sort(),
      greeting: Deno.env.get("GREETING") ?? null,
      multiWord: Deno.env.get("MULTI_WORD") ?? null,
      supabaseUrl: Deno.env.get("SUPABASE_URL") ?? null,
    },
    { status: Number(url.searchParams.get("status") ?? 200), headers: { "x-echo": "yes" } },
  );
});
