import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { ApplicationFailure } from "@temporalio/activity";
import { httpDnsProvider, ownerComment, type HttpDnsOptions } from "../src/providers/http-dns.ts";
import { FailureType } from "../src/workflows/failure-types.ts";
import { startFakeDnsApi, type FakeDnsApi } from "./support/fake-dns-api.ts";

const zoneId = "zone-123";
const token = "dns-token";
let api: FakeDnsApi;
before(async () => { api = await startFakeDnsApi({ zoneId, token }); });
after(async () => { await api.close(); });

const options = (overrides: Partial<HttpDnsOptions> = {}): HttpDnsOptions => ({
  apiUrl: api.url, zoneId, apiToken: token, baseDomain: "orgs.example.com", target: "ingress.example.com", ...overrides,
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

test("HTTP DNS: creates a CNAME owned by the organization; a retry finds it instead of creating another", async () => {
  const dns = httpDnsProvider(options());
  const organizationId = randomUUID();
  const first = await dns.ensureRecord({ subdomain: "acme", organizationId });
  assert.deepEqual({ ...first, id: "" }, { id: "", name: "acme.orgs.example.com", type: "CNAME", content: "ingress.example.com" });
  const stored = api.records.get(first.id);
  assert.equal(stored?.comment, ownerComment(organizationId));

  const requestsBefore = api.requests.length;
  const again = await dns.ensureRecord({ subdomain: "acme", organizationId });
  assert.equal(again.id, first.id);
  assert.deepEqual(api.requests.slice(requestsBefore).map((r) => r.split(" ")[0]), ["GET"], "the retry only looked");
  assert.equal([...api.records.values()].filter((r) => r.name === "acme.orgs.example.com").length, 1);
});

test("HTTP DNS: a name held by another record is a permanent DnsRejected, and removal leaves that record alone", async () => {
  const dns = httpDnsProvider(options());
  const owner = randomUUID();
  const theirs = await dns.ensureRecord({ subdomain: "taken", organizationId: owner });
  const failure = await failureOf(dns.ensureRecord({ subdomain: "taken", organizationId: randomUUID() }));
  assert.equal(failure.type, FailureType.DnsRejected);
  assert.equal(failure.nonRetryable, true);
  assert.equal(await dns.removeRecord({ subdomain: "taken", organizationId: randomUUID() }), false);
  assert.ok(api.records.has(theirs.id), "someone else's record is never removed");
});

test("HTTP DNS: losing a create race to our own earlier attempt returns the winner's record", async () => {
  const dns = httpDnsProvider(options());
  const organizationId = randomUUID();
  api.raceNextCreate({ type: "CNAME", name: "racy.orgs.example.com", content: "ingress.example.com", comment: ownerComment(organizationId) });
  const record = await dns.ensureRecord({ subdomain: "racy", organizationId });
  assert.equal(api.records.get(record.id)?.name, "racy.orgs.example.com");
  assert.equal([...api.records.values()].filter((r) => r.name === "racy.orgs.example.com").length, 1);
});

test("HTTP DNS: removes the organization's record; with none left, removal reports false instead of failing", async () => {
  const dns = httpDnsProvider(options());
  const organizationId = randomUUID();
  const record = await dns.ensureRecord({ subdomain: "short-lived", organizationId });
  assert.equal(await dns.removeRecord({ subdomain: "short-lived", organizationId }), true);
  assert.equal(api.records.has(record.id), false);
  assert.equal(await dns.removeRecord({ subdomain: "short-lived", organizationId }), false);
  assert.ok(api.requests.some((r) => r === `DELETE /client/v4/zones/${zoneId}/dns_records/${record.id}`));
});

test("HTTP DNS: 5xx and 429 are retryable DnsUnavailable; a rejected token is a permanent DnsRejected", async () => {
  const dns = httpDnsProvider(options());
  for (const status of [503, 429]) {
    api.failNext(1, status);
    const failure = await failureOf(dns.ensureRecord({ subdomain: `flaky-${status}`, organizationId: randomUUID() }));
    assert.equal(failure.type, FailureType.DnsUnavailable, `HTTP ${status}`);
    assert.equal(failure.nonRetryable, false);
  }
  const badToken = await failureOf(httpDnsProvider(options({ apiToken: "wrong" })).ensureRecord({ subdomain: "x1", organizationId: randomUUID() }));
  assert.equal(badToken.type, FailureType.DnsRejected);
  assert.equal(badToken.nonRetryable, true);
  assert.match(badToken.message, /answered 403: 10000 Authentication error/);
  assert.ok(!badToken.message.includes("wrong"), "the token is not echoed");
});

test("HTTP DNS: an unreachable API is a retryable DnsUnavailable", async () => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const failure = await failureOf(httpDnsProvider(options({ apiUrl: `http://127.0.0.1:${port}/client/v4` })).ensureRecord({ subdomain: "x2", organizationId: randomUUID() }));
  assert.equal(failure.type, FailureType.DnsUnavailable);
  assert.equal(failure.nonRetryable, false);
});
