/**
 * What `npm ci` installs from package-lock.json (lockfileVersion 3) for a choice of workspaces,
 * computed from the lockfile alone: start from the chosen workspaces (and the root), follow
 * dependencies with Node's lookup (the nearest `node_modules/<name>` up the tree), drop dev
 * dependencies when asked. Platform-specific optional packages are kept (a superset is the safe side).
 */
import fs from "node:fs";

interface LockEntry {
  readonly name?: string;
  readonly link?: boolean;
  readonly resolved?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly devDependencies?: Record<string, string>;
}

export interface Lockfile {
  readonly lockfileVersion: number;
  readonly packages: Record<string, LockEntry>;
}

export interface InstallChoice {
  /** Workspace names (`@org-bootstrap/workflows`) or folders (`workflows`). */
  readonly workspaces: readonly string[];
  readonly includeRoot: boolean;
  readonly omitDev: boolean;
}

export const readLockfile = (file: string): Lockfile => JSON.parse(fs.readFileSync(file, "utf8")) as Lockfile;

/** The folder that holds `location`'s node_modules lookup's next step ("" is the root). */
function parentOf(location: string): string {
  const at = location.lastIndexOf("node_modules/");
  return at <= 0 ? "" : location.slice(0, at - 1);
}

function resolve(lock: Lockfile, from: string, name: string): string | undefined {
  for (let location = from; ; location = parentOf(location)) {
    const candidate = `${location ? `${location}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (location === "") return undefined;
  }
}

/** Installed package names (`pg`, `@temporalio/worker`) and workspace folders, for `choice`. */
export function installedPackages(lock: Lockfile, choice: InstallChoice): Set<string> {
  if (lock.lockfileVersion < 2) throw new Error(`lockfileVersion ${lock.lockfileVersion} has no "packages" map`);
  const workspaceFolders = choice.workspaces.map((wanted) => {
    const folder = Object.keys(lock.packages).find((key) => !key.includes("node_modules") && key !== "" && (key === wanted || lock.packages[key]!.name === wanted));
    if (folder === undefined) throw new Error(`no workspace ${wanted} in the lockfile`);
    return folder;
  });
  const seen = new Set<string>();
  const names = new Set<string>();
  const visit = (location: string, withDev: boolean): void => {
    if (seen.has(location)) return;
    seen.add(location);
    const entry = lock.packages[location]!;
    if (entry.link && entry.resolved !== undefined) return visit(entry.resolved, false);
    names.add(location.includes("node_modules/") ? location.slice(location.lastIndexOf("node_modules/") + 13) : location);
    const needs: Array<[string, boolean]> = [
      ...Object.keys(entry.dependencies ?? {}).map((n) => [n, true] as [string, boolean]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n) => [n, false] as [string, boolean]),
      ...Object.keys(entry.peerDependencies ?? {}).map((n) => [n, !entry.peerDependenciesMeta?.[n]?.optional] as [string, boolean]),
      ...(withDev ? Object.keys(entry.devDependencies ?? {}).map((n) => [n, true] as [string, boolean]) : []),
    ];
    for (const [name, required] of needs) {
      const found = resolve(lock, location, name);
      if (found) visit(found, false);
      else if (required) throw new Error(`${location || "the root"} needs ${name}, which the lockfile does not hold`);
    }
  };
  if (choice.includeRoot) visit("", !choice.omitDev);
  for (const folder of workspaceFolders) visit(folder, !choice.omitDev);
  names.delete("");
  return names;
}
