// @ts-nocheck -- runs under Deno; the Node project's tsc has no Deno types.
// Fixture: a deno.json with "nodeModulesDir": "manual", which the Edge Runtime cannot boot under
// `supabase functions serve` (no node_modules is mounted).
import { z } from "zod";

Deno.serve(() => Response.json({ ok: z.string().parse("booted") }));
