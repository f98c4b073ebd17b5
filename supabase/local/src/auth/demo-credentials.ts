import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The local stack's demo platform admin: an ordinary Auth user that `npm start` signs up and
 * grants the role, and that the try-it page signs in as. LOCAL ONLY: its password is random per
 * data dir, kept in a 0600 file under it, shown in `npm start`'s summary, and handed to pages
 * the local stack itself serves (try-page.ts). It never exists on a real project.
 */
export interface DemoCredentials {
  readonly email: string;
  readonly password: string;
}

export const DEMO_ADMIN_EMAIL = "platform-admin@localhost";

export const demoCredentialsFile = (dataDir: string): string => path.join(dataDir, "auth", "demo-admin.json");

export function readDemoCredentials(dataDir: string): DemoCredentials | undefined {
  try {
    const stored = JSON.parse(fs.readFileSync(demoCredentialsFile(dataDir), "utf8")) as Partial<DemoCredentials>;
    return typeof stored.email === "string" && typeof stored.password === "string" ? { email: stored.email, password: stored.password } : undefined;
  } catch {
    return undefined;
  }
}

export function loadOrCreateDemoCredentials(dataDir: string): DemoCredentials {
  const existing = readDemoCredentials(dataDir);
  if (existing) return existing;
  // 144 random bits, plus one character of each kind so that any password_requirements accepts it.
  const credentials = { email: DEMO_ADMIN_EMAIL, password: `${crypto.randomBytes(18).toString("base64url")}aA1-` };
  const file = demoCredentialsFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}
