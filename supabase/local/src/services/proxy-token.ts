import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** The proxy's bearer token for this stack: random once, kept under the data dir so restarts agree. */
export function loadProxyToken(dataDir: string): string {
  const file = path.join(dataDir, "auth", "temporal-proxy-token");
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const token = crypto.randomBytes(32).toString("hex");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, token, { mode: 0o600 });
  return token;
}
