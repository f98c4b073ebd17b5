/**
 * `npm run build [-- --outdir <dir>]`: the worker, its workflow bundle and the proxy as single files
 * under workflows/dist (see artifacts.ts). Prints each file with its size and build time.
 */
import path from "node:path";
import { buildArtifacts, DEFAULT_OUT_DIR } from "./artifacts.ts";

function outDirArgument(argv: readonly string[]): string {
  const at = argv.indexOf("--outdir");
  if (at < 0) return DEFAULT_OUT_DIR;
  const value = argv[at + 1];
  if (!value || value.startsWith("-")) {
    process.stderr.write("✖ --outdir needs a folder, e.g. npm run build -- --outdir /tmp/dist\n");
    process.exit(2);
  }
  return path.resolve(value);
}

const outDir = outDirArgument(process.argv.slice(2));
try {
  const built = await buildArtifacts(outDir);
  for (const artifact of built) {
    const size = `${(artifact.bytes / 1024 / 1024).toFixed(2)} MB`.padStart(8);
    process.stdout.write(`✔ ${path.relative(process.cwd(), artifact.file)}  ${size}  ${artifact.ms} ms\n`);
  }
} catch (error) {
  // esbuild has already printed its located errors; this is the one-line summary.
  process.stderr.write(`✖ build failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
  process.exit(1);
}
