/**
 * The operator's docs (docs/) against the code: every variable a schema reads is documented for
 * its service and nothing else is, every error code the function answers is in the frontend
 * contract, the search attributes to register are the ones the workflow sets, and every relative
 * link resolves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { SEARCH_ATTRIBUTES } from "@org-bootstrap/shared/stack-contract.ts";
import { REPO_ROOT } from "../scripts/artifacts.ts";
import { configShape as bootstrapConfigShape } from "../../supabase/functions/organization-bootstrap/config.ts";
import { configShape as deactivateConfigShape } from "../../supabase/functions/organization-deactivate/config.ts";
import { PROXY_ENV_NAMES } from "../src/proxy/env.ts";
import { WORKER_ENV_NAMES } from "../src/worker/env.ts";

const DOCS = path.join(REPO_ROOT, "docs");
const doc = (name: string) => fs.readFileSync(path.join(DOCS, name), "utf8");
const source = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

/**
 * The keys of `const <name> = z.object({ … })` in a file whose schema is not exported (the edge
 * function's, a Deno module; the reconciler's). Top-level keys are the lines indented two spaces.
 */
function schemaKeys(file: string, name: string): string[] {
  const text = source(file);
  const start = text.indexOf(`const ${name} = z.object({`);
  assert.ok(start >= 0, `${file} declares ${name} = z.object({`);
  const end = text.indexOf("\n});", start);
  return [...text.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
}

/** Variable names in the first column of the tables of a section (from its heading to the next heading of the same level). */
function documentedIn(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const at = lines.findIndex((line) => line === heading);
  assert.ok(at >= 0, `configuration.md has "${heading}"`);
  const level = heading.indexOf(" ");
  const next = lines.findIndex((line, i) => i > at && /^#+ /.test(line) && line.indexOf(" ") <= level);
  return lines.slice(at, next < 0 ? undefined : next).flatMap((line) => /^\| `([A-Z][A-Z0-9_]*)` \|/.exec(line)?.[1] ?? []);
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

test("configuration.md documents exactly the variables each service's schema reads", () => {
  const configuration = doc("configuration.md");
  assert.deepEqual(sorted(documentedIn(configuration, "## Edge function `organization-bootstrap`")), sorted(Object.keys(bootstrapConfigShape)));
  assert.deepEqual(sorted(documentedIn(configuration, "## Edge function `organization-deactivate`")), sorted(Object.keys(deactivateConfigShape)));
  assert.deepEqual(sorted(documentedIn(configuration, "## gRPC-web proxy")), sorted(PROXY_ENV_NAMES));
  const reconciler = schemaKeys("workflows/src/reconciler/config.ts", "schema");
  assert.ok(reconciler.includes("WORKER_HTTP_PORT"));
  assert.deepEqual(sorted(documentedIn(configuration, "## Worker")), sorted([...WORKER_ENV_NAMES, ...reconciler]));
  assert.ok(!documentedIn(configuration, "## Worker").includes("SUPABASE_DB_URL"));
});

test("deploy.md sets every secret the edge functions read that Supabase does not inject, and deploys both", () => {
  const deploy = doc("deploy.md");
  const secretsSet = [...deploy.matchAll(/supabase secrets set[^`]*?(?=\n\S|\n\n|```)/gs)].map((m) => m[0]).join("\n");
  for (const name of sorted([...Object.keys(bootstrapConfigShape), ...Object.keys(deactivateConfigShape)])) {
    if (name.startsWith("SUPABASE_")) continue;
    assert.match(secretsSet, new RegExp(`\\b${name}=`), `supabase secrets set ${name}=…`);
  }
  assert.match(deploy, /supabase functions deploy organization-bootstrap/);
  assert.match(deploy, /supabase functions deploy organization-deactivate/);
});

test("deploy.md registers exactly the workflow's search attributes, self-hosted and on Temporal Cloud", () => {
  const deploy = doc("deploy.md");
  const selfHosted = [...deploy.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => `${m[1]}=${m[2]}`);
  const cloud = [...deploy.matchAll(/--search-attribute "(\w+)=(\w+)"/g)].map((m) => `${m[1]}=${m[2]}`);
  const expected = Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => `${name}=${type}`).sort();
  assert.deepEqual(selfHosted.sort(), expected);
  assert.deepEqual(cloud.sort(), expected);
  assert.match(deploy, /temporal operator search-attribute create/);
  assert.match(deploy, /tcld namespace search-attributes add/);
});

test("frontend.md lists every error code the edge function can answer", () => {
  const http = source("supabase/functions/_shared/http.ts");
  const union = /export type ErrorCode =([^;]+);/.exec(http)?.[1] ?? "";
  const codes = [...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]!);
  assert.ok(codes.length > 10);
  const frontend = doc("frontend.md");
  for (const code of codes) assert.match(frontend, new RegExp(`\`${code}\``), `${code} is documented`);
  assert.match(frontend, /supabase\.functions\.invoke\("organization-bootstrap"/);
});

test("architecture.md draws the three paths in Mermaid; every relative link in docs/ and the README resolves", () => {
  const architecture = doc("architecture.md");
  const mermaid = /```mermaid\n([\s\S]*?)```/.exec(architecture)?.[1] ?? "";
  for (const part of ["Edge functions", "organization-deactivate", "Realtime", "Schedule", "pending_trigger_events"]) assert.ok(mermaid.includes(part), `the diagram shows ${part}`);

  const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} -]/gu, "").replace(/ /g, "-");
  const documents = [
    ...fs.readdirSync(DOCS).filter((f) => f.endsWith(".md")).map((f) => path.join(DOCS, f)),
    path.join(REPO_ROOT, "README.md"),
  ];
  for (const docPath of documents) {
    const name = path.relative(REPO_ROOT, docPath);
    for (const [, target] of fs.readFileSync(docPath, "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, anchor] = target!.split("#") as [string, string | undefined];
      const resolved = file ? path.join(path.dirname(docPath), file) : docPath;
      assert.ok(fs.existsSync(resolved), `${name}: ${target} exists`);
      if (anchor) {
        const headings = fs.readFileSync(resolved, "utf8").split("\n").filter((l) => /^#+ /.test(l)).map((l) => slug(l.replace(/^#+ /, "")));
        assert.ok(headings.includes(anchor), `${name}: #${anchor} is a heading of ${file || name}`);
      }
    }
  }
});
