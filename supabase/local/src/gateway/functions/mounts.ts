import fs from "node:fs";
import path from "node:path";

/**
 * What `supabase functions serve` (and deploy) makes visible to a function: the whole functions
 * folder, the function's import map (its deno.json), and every other file its imports reach. The
 * CLI finds those by walking the import graph with a regex over `import`/`export` statements,
 * through the import map, and bind-mounts each file it finds at the same path; nothing else of the
 * project (the root deno.json, package.json, node_modules) exists in the container.
 *
 * The walk follows the CLI's rules, so a function that only works because a file happened to be on
 * disk fails here as it would there:
 * - specifiers are substituted through the import map by key prefix; mapped values are resolved
 *   against the import map's folder;
 * - only paths with an extension that start with `./`, `../` or `/` are files (no sloppy imports;
 *   URLs, `npm:` and `node:` specifiers are the runtime's business);
 * - a file the walk cannot read is skipped, as the CLI only warns about it.
 */
const IMPORT_PATTERN = /(?:import|export)\s+(?:\{[^{}]+\}|.*?)\s*(?:from)?\s*['"](.*?)['"]|import\(\s*['"](.*?)['"]\)/gi;

export class MountError extends Error {
  override readonly name = "MountError";
}

interface ImportMap {
  readonly imports: Readonly<Record<string, string>>;
}

function readImportMap(file: string): ImportMap {
  let parsed: { imports?: Record<string, string>; importMap?: string };
  try {
    parsed = JSON.parse(stripJsonComments(fs.readFileSync(file, "utf8"))) as typeof parsed;
  } catch (error) {
    throw new MountError(`failed to parse import map ${file}: ${(error as Error).message}`);
  }
  const dir = path.dirname(file);
  if (!parsed.imports && parsed.importMap) return readImportMap(path.resolve(dir, parsed.importMap));
  const imports: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.imports ?? {})) {
    // Values that are paths are resolved against the map's own folder (URLs stay as they are).
    const isPath = value.startsWith("./") || value.startsWith("../") || value.startsWith("/");
    imports[key] = isPath ? path.resolve(dir, value) + (value.endsWith("/") ? "/" : "") : value;
  }
  return { imports };
}

/** deno.jsonc allows comments, and the CLI accepts them: line and block comments outside strings are dropped. */
function stripJsonComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match, string: string | undefined) => string ?? "");
}

function isFilePath(specifier: string): boolean {
  return (specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/")) && path.extname(specifier) !== "";
}

/** Absolute paths of every file the entrypoint's imports reach, the entrypoint included. */
export function walkImports(entrypoint: string, importMap: ImportMap): string[] {
  const seen = new Set<string>();
  const queue = [path.resolve(entrypoint)];
  while (queue.length > 0) {
    const current = queue.pop()!;
    if (seen.has(current)) continue;
    let source: string;
    try {
      source = fs.readFileSync(current, "utf8");
    } catch {
      continue;
    }
    seen.add(current);
    for (const match of source.matchAll(IMPORT_PATTERN)) {
      let specifier = (match[1] || match[2] || "").trim();
      let mapped = false;
      for (const [key, value] of Object.entries(importMap.imports)) {
        if (specifier.startsWith(key)) {
          specifier = value + specifier.slice(key.length);
          mapped = true;
        }
      }
      if (!isFilePath(specifier)) continue;
      queue.push(mapped || path.isAbsolute(specifier) ? path.resolve(specifier) : path.resolve(path.dirname(current), specifier));
    }
  }
  return [...seen];
}

export interface MountPlan {
  /** Folders mounted whole (supabase/functions/). */
  readonly folders: readonly string[];
  /** Single files mounted beside them: the import map and imported files outside the folders. */
  readonly files: readonly string[];
}

/**
 * The mounts for one function. Every path must lie inside the project: deploy uploads files with
 * project-relative paths and fails on anything above the project folder.
 */
export function planMounts(projectRoot: string, functionsDir: string, entrypoint: string, importMapFile: string | undefined): MountPlan {
  const importMap = importMapFile ? readImportMap(importMapFile) : { imports: {} };
  const inFunctions = (file: string) => !path.relative(functionsDir, file).startsWith("..");
  const files = new Set<string>();
  if (importMapFile && !inFunctions(importMapFile)) files.add(path.resolve(importMapFile));
  for (const file of walkImports(entrypoint, importMap)) if (!inFunctions(file)) files.add(file);
  for (const file of files) {
    if (path.relative(projectRoot, file).startsWith("..")) {
      throw new MountError(`imports ${file}, which is outside the project folder (${projectRoot}): Supabase cannot deploy it`);
    }
  }
  return { folders: [functionsDir], files: [...files].sort() };
}

/**
 * Copies the mounted files into `stageDir` at their project-relative paths: the container's view
 * of the project. Copies, not links, so that Deno cannot resolve its way back into the project.
 */
export function stageMounts(projectRoot: string, plan: MountPlan, stageDir: string): void {
  fs.rmSync(stageDir, { recursive: true, force: true });
  const target = (source: string) => path.join(stageDir, path.relative(projectRoot, source));
  for (const folder of plan.folders) {
    fs.cpSync(folder, target(folder), { recursive: true, dereference: true });
  }
  for (const file of plan.files) {
    fs.mkdirSync(path.dirname(target(file)), { recursive: true });
    fs.copyFileSync(file, target(file));
  }
}
