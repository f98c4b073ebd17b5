import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { ApplicationFailure } from "@temporalio/activity";
import { createProviders } from "../src/providers/index.ts";
import { DNS_LOG, readLocalDnsLog, readLocalDnsRecords, readLocalEmails } from "../src/providers/local-outbox.ts";
import { FailureType } from "../src/workflows/failure-types.ts";
import { tempOutbox } from "./support/workflow-harness.ts";

const local = (outboxDir: string) =>
  createProviders({ mode: "local", outboxDir, baseDomain: "orgs.localhost", dnsTarget: "ingress.localhost", emailFrom: "no-reply@localhost" });

test("local DNS: the outbox log shows creation and removal; ensure is idempotent per organization, exclusive across them", async () => {
  const outbox = tempOutbox();
  const { dns } = local(outbox);
  const organizationId = randomUUID();
  const record = await dns.ensureRecord({ subdomain: "acme", organizationId });
  assert.equal(record.name, "acme.orgs.localhost");
  assert.equal((await dns.ensureRecord({ subdomain: "acme", organizationId })).id, record.id);

  const conflict = await dns.ensureRecord({ subdomain: "acme", organizationId: randomUUID() }).then(() => undefined, (e: unknown) => e);
  assert.ok(conflict instanceof ApplicationFailure && conflict.type === FailureType.DnsRejected && conflict.nonRetryable);
  assert.equal(await dns.removeRecord({ subdomain: "acme", organizationId: randomUUID() }), false, "not someone else's");

  assert.equal(await dns.removeRecord({ subdomain: "acme", organizationId }), true);
  assert.equal(await dns.removeRecord({ subdomain: "acme", organizationId }), false);
  assert.equal(readLocalDnsRecords(outbox).size, 0);
  assert.deepEqual(readLocalDnsLog(outbox).map((e) => [e.action, e.record.name]), [["create", "acme.orgs.localhost"], ["delete", "acme.orgs.localhost"]]);
});

test("local outbox: a half-written last line (a writer mid-append) is skipped, not a parse error", () => {
  const outbox = tempOutbox();
  const line = JSON.stringify({ at: "2025-01-01T00:00:00Z", action: "create", record: { id: "1", name: "a.orgs.localhost", type: "CNAME", content: "x", organizationId: "o" } });
  fs.writeFileSync(path.join(outbox, DNS_LOG), `${line}\n{"at":"2025-01-01T00:00:01Z","act`);
  assert.deepEqual([...readLocalDnsRecords(outbox).keys()], ["a.orgs.localhost"]);
});

test("local email: one outbox entry per message id; `.invalid` recipients are refused for good like a real 550", async () => {
  const outbox = tempOutbox();
  const { email } = local(outbox);
  const message = { messageId: "<m1@localhost>", to: "ada@example.com", subject: "Hi", text: "Hello" };
  await email.send(message);
  await email.send(message); // a retried activity
  assert.deepEqual(readLocalEmails(outbox).map((e) => [e.to, e.from, e.messageId]), [["ada@example.com", "no-reply@localhost", "<m1@localhost>"]]);

  const refused = await email.send({ ...message, messageId: "<m2@localhost>", to: "x@nowhere.invalid" }).then(() => undefined, (e: unknown) => e);
  assert.ok(refused instanceof ApplicationFailure);
  assert.equal(refused.type, FailureType.EmailRejected);
  assert.equal(refused.nonRetryable, true);
  assert.equal(readLocalEmails(outbox).length, 1);
});
