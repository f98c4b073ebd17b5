import type { Progress } from "../log.ts";

/** The product's functions, booted by `npm start` so that one that cannot boot says so at once. */
const PRODUCT_FUNCTIONS = ["organization-bootstrap", "organization-deactivate"] as const;

/**
 * Boots each product function with a CORS preflight (no token needed, nothing recorded). The
 * first boot on a fresh machine fetches the function's npm packages into the stack's Deno cache,
 * which takes a few seconds; a function that fails to boot is reported here, and the functions
 * runtime has already printed its one-line reason and log file.
 */
export async function bootProductFunctions(functionsUrl: string, progress: Progress): Promise<void> {
  for (const name of PRODUCT_FUNCTIONS) {
    progress.step(`booting the ${name} edge function (the first boot fetches its npm packages into the Deno cache)`);
    const startedAt = performance.now();
    const response = await fetch(`${functionsUrl}/${name}`, {
      method: "OPTIONS",
      headers: { origin: "http://127.0.0.1", "access-control-request-method": "POST" },
      signal: AbortSignal.timeout(60_000),
    }).catch((error: unknown) => error as Error);
    if (response instanceof Error) {
      progress.warn(`${name} did not answer: ${response.message}`);
    } else if (response.ok) {
      progress.done(`${name} booted in ${Math.round(performance.now() - startedAt)} ms`);
    } else {
      progress.warn(`${name} does not boot (HTTP ${response.status}): the reason is the [functions] line above; it would not boot under supabase functions serve either`);
    }
  }
}
