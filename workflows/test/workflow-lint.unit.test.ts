import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** A workflow file that does not exist: lintText lints the snippet as if it lived there. */
const WORKFLOW_FILE = path.join(REPO_ROOT, "workflows/src/workflows/lint-probe.ts");

async function lintWorkflow(code: string): Promise<Array<{ ruleId: string | null; line: number; message: string }>> {
  // The rules are the repo's eslint.config.js, unchanged; the override only lets the type-aware
  // parser check a file that is not on disk (with the repo's tsconfig), as it does for real files.
  const eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfig: {
      files: ["workflows/src/workflows/**/*.ts"],
      languageOptions: {
        parserOptions: { projectService: { allowDefaultProject: [path.relative(REPO_ROOT, WORKFLOW_FILE)], defaultProject: "tsconfig.json" } },
      },
    },
  });
  const [result] = await eslint.lintText(code, { filePath: WORKFLOW_FILE });
  assert.ok(result, "eslint returned no result");
  return result.messages.map(({ ruleId, line, message }) => ({ ruleId, line, message }));
}

test("eslint rejects workflow code that imports Node, a client library, or activities by value, and floating promises", async () => {
  const messages = await lintWorkflow([
    'import fs from "node:fs";', // 1
    'import { randomUUID } from "crypto";', // 2
    'import { Client } from "@temporalio/client";', // 3
    'import { createActivities } from "../activities/index.ts";', // 4
    'import { proxyActivities, sleep } from "@temporalio/workflow";', // 5
    "export async function probe(): Promise<void> {", // 6
    "  sleep(1000);", // 7
    "  void fs; void randomUUID; void Client; void createActivities; void proxyActivities;", // 8
    "}", // 9
  ].join("\n"));
  const byLine = (line: number) => messages.filter((m) => m.line === line).map((m) => m.ruleId);
  for (const line of [1, 2, 3, 4]) assert.deepEqual(byLine(line), ["@typescript-eslint/no-restricted-imports"], `line ${line}: ${JSON.stringify(messages)}`);
  assert.match(messages.find((m) => m.line === 1)!.message, /deterministic sandbox/);
  assert.deepEqual(byLine(5), [], "@temporalio/workflow is allowed");
  assert.deepEqual(byLine(7), ["@typescript-eslint/no-floating-promises"]);
});

test("eslint accepts what workflow code may import: @temporalio/workflow, shared/, files beside it, and activities as types", async () => {
  const messages = await lintWorkflow([
    'import { proxyActivities } from "@temporalio/workflow";',
    'import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";',
    'import { FailureType } from "./failure-types.ts";',
    'import type { BootstrapActivities } from "../activities/index.ts";',
    "const { createOrganization } = proxyActivities<BootstrapActivities>({ startToCloseTimeout: '1 minute' });",
    "export async function probe(): Promise<string> {",
    "  await createOrganization({ workflowId: bootstrapWorkflowId('x'), runId: 'r', organizationId: 'x', eventId: 'e' });",
    "  return FailureType.BootstrapFailed;",
    "}",
  ].join("\n"));
  assert.deepEqual(messages, []);
});

test("the real workflow files pass the workflow lint rules", async () => {
  const eslint = new ESLint({ cwd: REPO_ROOT });
  const results = await eslint.lintFiles(["workflows/src/workflows/**/*.ts"]);
  assert.ok(results.length >= 2, "the workflow files were linted");
  assert.deepEqual(results.flatMap((r) => r.messages.map((m) => `${path.relative(REPO_ROOT, r.filePath)}:${m.line} ${m.ruleId} ${m.message}`)), []);
});
