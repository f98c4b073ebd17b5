/**
 * The edge function as ONE file, with everything it imports inlined: the proof that it deploys as
 * a unit. Supabase has open bugs with functions importing files outside supabase/functions
 * (supabase/cli#3467, supabase/supabase#35021), and ours imports the monorepo's shared/ through
 * its deno.json import map. If esbuild, following exactly that import map, produces a file that
 * Deno serves with no config, no node_modules and no network for modules, nothing outside the
 * file is needed at runtime.
 *
 * Why esbuild and not `deno bundle`: Deno 2.1 (the Edge Runtime's) has no bundler, and later ones download their own
 * esbuild from npm on first use (measured here: it fetched @esbuild/linux-x64 0.25.5), which an
 * offline CI cannot do. The esbuild in node_modules is pinned by the lockfile.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build, type Plugin } from "esbuild";
import { bundledInputs, REPO_ROOT } from "./artifacts.ts";

export const FUNCTIONS_DIR = path.join(REPO_ROOT, "supabase/functions");

export interface FunctionBundle {
  readonly file: string;
  readonly bytes: number;
  readonly ms: number;
  /** Repo-relative inputs: the function's files, shared/src and the npm packages it pulls in. */
  readonly inputs: readonly string[];
}

/** Thrown when an import cannot be bundled: a remote or JSR specifier, or a pin node_modules does not satisfy. */
export class FunctionBundleError extends Error {
  override readonly name = "FunctionBundleError";
}

const NPM_SPECIFIER = /^npm:(@[^/@]+\/[^/@]+|[^/@]+)(?:@([^/]+))?(\/.*)?$/;

/**
 * Resolves imports the way Deno does for this function: the import map of its deno.json (exact
 * keys, and prefix keys ending in "/"), `npm:name@version/sub` from the repo's node_modules (the
 * installed version must be the pinned one, or the bundle would not be what Deno runs), `node:`
 * builtins left to the runtime, and nothing remote.
 */
function denoImportMap(denoConfig: string): Plugin {
  const imports = (JSON.parse(fs.readFileSync(denoConfig, "utf8")) as { imports?: Record<string, string> }).imports ?? {};
  const configDir = path.dirname(denoConfig);
  const requireFromRoot = createRequire(path.join(REPO_ROOT, "package.json"));

  const mapped = (specifier: string): string | undefined => {
    if (imports[specifier] !== undefined) return imports[specifier];
    const prefix = Object.keys(imports)
      .filter((key) => key.endsWith("/") && specifier.startsWith(key))
      .sort((a, b) => b.length - a.length)[0];
    return prefix === undefined ? undefined : imports[prefix] + specifier.slice(prefix.length);
  };

  const installedVersion = (name: string): string => {
    try {
      return (JSON.parse(fs.readFileSync(requireFromRoot.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
    } catch {
      // Packages whose "exports" hide package.json: read it from the folder node_modules resolution finds.
      const dir = path.join(REPO_ROOT, "node_modules", name);
      return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
    }
  };

  return {
    name: "deno-import-map",
    setup(builder) {
      builder.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, external: true }));
      builder.onResolve({ filter: /^(jsr:|https?:)/ }, (args) => {
        throw new FunctionBundleError(`${args.path} (imported by ${path.relative(REPO_ROOT, args.importer)}) cannot be bundled offline: use an npm: specifier`);
      });
      // Bare specifiers and npm: specifiers from the function's own code (not from inside node_modules,
      // whose imports esbuild resolves the way Node and Deno's npm support do).
      builder.onResolve({ filter: /^[^./]/ }, async (args) => {
        // `fromImportMap`: our own builder.resolve below, which must reach esbuild's resolver, not loop back here.
        if ((args.pluginData as { fromImportMap?: boolean } | undefined)?.fromImportMap) return undefined;
        if (args.importer.includes(`${path.sep}node_modules${path.sep}`) && !args.path.startsWith("npm:")) return undefined;
        const target = args.path.startsWith("npm:") ? args.path : mapped(args.path);
        if (target === undefined) {
          throw new FunctionBundleError(`"${args.path}" (imported by ${path.relative(REPO_ROOT, args.importer)}) is not in ${path.relative(REPO_ROOT, denoConfig)}'s import map`);
        }
        const npm = NPM_SPECIFIER.exec(target);
        if (npm) {
          const [, name, pinned, subpath = ""] = npm as unknown as [string, string, string | undefined, string | undefined];
          const installed = installedVersion(name);
          if (pinned !== undefined && pinned !== installed) {
            throw new FunctionBundleError(`${path.relative(REPO_ROOT, denoConfig)} pins ${name}@${pinned} but node_modules has ${installed}: align them (npm ci)`);
          }
          const resolved = await builder.resolve(`${name}${subpath}`, { kind: args.kind, resolveDir: REPO_ROOT, pluginData: { fromImportMap: true } });
          if (resolved.errors.length > 0) return { errors: resolved.errors };
          return { path: resolved.path };
        }
        if (/^(jsr:|https?:)/.test(target)) throw new FunctionBundleError(`${args.path} maps to ${target}, which cannot be bundled offline`);
        return { path: path.resolve(configDir, target) };
      });
    },
  };
}

/** Bundles supabase/functions/<name>/index.ts with its deno.json into `outfile` (ES module for Deno). */
export async function bundleFunction(name: string, outfile: string): Promise<FunctionBundle> {
  const dir = path.join(FUNCTIONS_DIR, name);
  const denoConfig = ["deno.json", "deno.jsonc"].map((file) => path.join(dir, file)).find((file) => fs.existsSync(file)) ?? path.join(REPO_ROOT, "deno.json");
  const startedAt = performance.now();
  const result = await build({
    entryPoints: [path.join(dir, "index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    // Deno resolves npm packages with the "deno" and "node" export conditions.
    platform: "neutral",
    conditions: ["deno", "node", "import", "default"],
    mainFields: ["module", "main"],
    target: "es2022",
    // CommonJS packages (@temporalio/proto over protobufjs) call `require`; Deno provides one through node:module.
    banner: { js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);' },
    plugins: [denoImportMap(denoConfig)],
    logLevel: "silent",
    metafile: true,
  });
  return {
    file: outfile,
    bytes: fs.statSync(outfile).size,
    ms: Math.round(performance.now() - startedAt),
    inputs: bundledInputs(result.metafile),
  };
}
