/**
 * The deployable artifacts of the Node side, built by `npm run build` (scripts/build.ts):
 *
 *   worker/main.js             the worker (entry, activities, reconciler, HTTP server) in one file;
 *                              @temporalio/* stay outside it (native core-bridge, and the SDK loads
 *                              parts of itself by path), so the image ships production node_modules
 *   worker/workflow-bundle.js  the workflows, prebuilt by Temporal's own bundler (bundleWorkflowCode);
 *                              the worker loads it through WORKFLOW_BUNDLE_PATH instead of running
 *                              webpack at every start
 *   proxy/main.js              the gRPC-web proxy, everything inlined: its image needs no node_modules
 *
 * The Dockerfiles copy these paths and run them (workflows/test/deploy-dockerfiles.test.ts checks
 * that every path they name is one the build produces).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions, type Metafile } from "esbuild";

export const WORKFLOWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = path.dirname(WORKFLOWS_DIR);
/** Git-ignored (`dist/` in .gitignore). */
export const DEFAULT_OUT_DIR = path.join(WORKFLOWS_DIR, "dist");

export const ARTIFACTS = {
  worker: "worker/main.js",
  workflowBundle: "worker/workflow-bundle.js",
  proxy: "proxy/main.js",
} as const;

export type ArtifactName = keyof typeof ARTIFACTS;

export interface BuiltArtifact {
  readonly name: ArtifactName;
  readonly file: string;
  readonly bytes: number;
  readonly ms: number;
}

/**
 * Packages kept out of the worker's bundle. @temporalio/*: native code and files the SDK reads at
 * runtime. Everything else the worker imports is inside the bundle.
 */
export const WORKER_EXTERNALS = ["@temporalio/*"];

/**
 * CommonJS dependencies (prom-client, protobufjs) call `require` for Node builtins; in an ES
 * module bundle that needs a real `require`, which this banner provides.
 */
const REQUIRE_SHIM = 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);';

const nodeBundle = (entry: string, outfile: string, external: string[]): BuildOptions => ({
  entryPoints: [path.join(WORKFLOWS_DIR, entry)],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node26",
  // Linked source maps: `node --enable-source-maps` (the Dockerfiles' CMD) prints stack traces in the sources.
  sourcemap: "linked",
  external,
  banner: { js: REQUIRE_SHIM },
  logLevel: "warning",
  metafile: true,
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAt = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - startedAt) };
}

/** Every input file that went into a bundle, repo-relative (tests check what is in and what is not). */
export function bundledInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).map((input) => path.relative(REPO_ROOT, path.resolve(input)));
}

async function esbuildArtifact(name: ArtifactName, options: BuildOptions): Promise<BuiltArtifact & { inputs: string[] }> {
  const { value, ms } = await timed(() => build(options));
  const file = options.outfile!;
  return { name, file, bytes: fs.statSync(file).size, ms, inputs: bundledInputs(value.metafile!) };
}

async function workflowBundle(outDir: string): Promise<BuiltArtifact> {
  // Loaded here, not at the top: only this step needs the SDK's bundler (webpack, swc).
  const { bundleWorkflowCode, DefaultLogger } = await import("@temporalio/worker");
  const file = path.join(outDir, ARTIFACTS.workflowBundle);
  const { value, ms } = await timed(() =>
    bundleWorkflowCode({ workflowsPath: path.join(WORKFLOWS_DIR, "src/workflows/index.ts"), logger: new DefaultLogger("WARN") }),
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, value.code);
  return { name: "workflowBundle", file, bytes: fs.statSync(file).size, ms };
}

/** Builds the three artifacts into `outDir` (emptied first, so nothing stale is ever shipped). */
export async function buildArtifacts(outDir: string = DEFAULT_OUT_DIR): Promise<Array<BuiltArtifact & { inputs?: string[] }>> {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const worker = await esbuildArtifact("worker", nodeBundle("src/worker/main.ts", path.join(outDir, ARTIFACTS.worker), WORKER_EXTERNALS));
  const proxy = await esbuildArtifact("proxy", nodeBundle("src/proxy/main.ts", path.join(outDir, ARTIFACTS.proxy), []));
  return [worker, await workflowBundle(outDir), proxy];
}
