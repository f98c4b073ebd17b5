/**
 * The "try it" page of the LOCAL STACK ONLY, at `/` on the gateway (http://127.0.0.1:54321/): a
 * static frontend (supabase/local/public/) that bootstraps an organization the way a real
 * frontend does — supabase.functions.invoke, then live progress over Realtime — plus the two
 * things a real project would provide some other way:
 *
 *   GET /_stack/try-config   the project URL and anon key (public values a frontend is built with),
 *                            the Temporal Web UI URL and namespace for the workflow link
 *   GET /_stack/demo-credentials
 *                            the e-mail and password of the local demo platform admin that
 *                            `npm start` signs up and grants (auth/demo-credentials.ts), so the page's
 *                            sign-in form can be prefilled; the page then signs in through Auth like
 *                            any frontend. A LOCAL-ONLY CONVENIENCE: it exists only on this loopback
 *                            gateway, answers only requests addressed to a loopback host (no DNS
 *                            rebinding), is never cached, and sends no CORS header (no other site
 *                            can read it). 404 until `npm start` has made the demo admin.
 *
 * supabase-js is served from node_modules (`/vendor/supabase.js`, its UMD build): no CDN, offline.
 */
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { readDemoCredentials } from "../auth/demo-credentials.ts";
import { REPO_ROOT } from "../paths.ts";
import { sendJson } from "./http-util.ts";
import type { GatewayDeps } from "./types.ts";

export const PUBLIC_DIR = path.join(REPO_ROOT, "supabase/local/public");
const SUPABASE_UMD = path.join(REPO_ROOT, "node_modules/@supabase/supabase-js/dist/umd/supabase.js");

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The files of the page, by URL path; nothing else under public/ or elsewhere is reachable. */
function staticFile(pathname: string): string | undefined {
  if (pathname === "/vendor/supabase.js") return SUPABASE_UMD;
  const name = pathname === "/" ? "index.html" : pathname.slice(1);
  if (!/^[a-z0-9-]+\.(html|js|css|svg)$/.test(name)) return undefined;
  const file = path.join(PUBLIC_DIR, name);
  return fs.existsSync(file) ? file : undefined;
}

function isLoopbackHost(host: string | undefined): boolean {
  return /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(host ?? "");
}

/**
 * Answers the page's routes; false for any other path (the gateway then answers 404).
 * GET and HEAD only.
 */
export function createTryPage(deps: GatewayDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    const file = staticFile(url.pathname);
    const isConfig = url.pathname === "/_stack/try-config";
    const isCredentials = url.pathname === "/_stack/demo-credentials";
    if (!file && !isConfig && !isCredentials) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendJson(res, 405, { message: "use GET" });
      return true;
    }
    if (file) {
      const body = fs.readFileSync(file);
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
        "content-length": body.length,
        // Edits to the page show on reload.
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    }
    if (isConfig) {
      sendJson(res, 200, {
        supabaseUrl: deps.publicUrl,
        anonKey: deps.keys.anonKey,
        functionName: "organization-bootstrap",
        deactivateFunctionName: "organization-deactivate",
        temporalUiUrl: deps.functionsEnv.TEMPORAL_UI_URL ?? null,
        temporalNamespace: deps.functionsEnv.TEMPORAL_NAMESPACE ?? "default",
      });
      return true;
    }
    res.removeHeader("access-control-allow-origin");
    if (!isLoopbackHost(req.headers.host)) {
      sendJson(res, 403, { message: "the demo credentials are for pages served by the local stack on a loopback address" });
      return true;
    }
    res.setHeader("cache-control", "no-store");
    const credentials = readDemoCredentials(deps.dataDir);
    if (!credentials) sendJson(res, 404, { message: "no demo admin yet: `npm start` creates it" });
    else sendJson(res, 200, { email: credentials.email, password: credentials.password });
    return true;
  };
}
