import { after, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { ApplicationFailure } from "@temporalio/activity";
import { sendMail } from "../src/providers/smtp-client.ts";
import { smtpEmailProvider } from "../src/providers/smtp-email.ts";
import type { EmailMessage } from "../src/providers/types.ts";
import { FailureType } from "../src/workflows/failure-types.ts";
import { startFakeSmtpServer, TEST_TLS_CERT, type FakeSmtpOptions, type FakeSmtpServer } from "./support/fake-smtp-server.ts";

const servers: FakeSmtpServer[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });
async function fake(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const server = await startFakeSmtpServer(options);
  servers.push(server);
  return server;
}

const credentials = { user: "mailer", password: "s3cret pass" };
const message: EmailMessage = {
  messageId: "<invitation.1@app.test>",
  to: "ada@example.com",
  subject: "You are invited to administer Café Ünited",
  text: "Hello Ada,\n\nAccept here:\nhttps://app.test/invitations/accept?token=abc\n.\nThat line above was a lone dot.",
};

/** Headers and decoded body of a received message. */
function parse(data: string): { headers: Map<string, string>; body: string } {
  const [head = "", body = ""] = data.split("\r\n\r\n");
  const headers = new Map(head.split("\r\n").map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
  }));
  return { headers, body: Buffer.from(body.replace(/\r\n/g, ""), "base64").toString("utf8") };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

test("SMTP: delivers over STARTTLS with AUTH PLAIN; headers encoded, body intact", async () => {
  const server = await fake({ startTls: true, credentials });
  const provider = smtpEmailProvider({
    host: "localhost", port: server.port, security: "starttls", ...credentials,
    tls: { ca: TEST_TLS_CERT }, from: "Platform <no-reply@app.test>",
  });
  await provider.send(message);

  assert.equal(server.received.length, 1);
  const [mail] = server.received;
  assert.equal(mail!.from, "no-reply@app.test", "the envelope uses the bare address");
  assert.deepEqual(mail!.to, ["ada@example.com"]);
  assert.equal(mail!.secure, true, "the message travelled after STARTTLS");
  assert.equal(mail!.user, "mailer");
  assert.ok(server.commands.indexOf("STARTTLS") < server.commands.findIndex((c) => c.startsWith("AUTH")), "no credentials before TLS");
  const { headers, body } = parse(mail!.data);
  assert.equal(headers.get("from"), "Platform <no-reply@app.test>");
  assert.equal(headers.get("to"), "ada@example.com");
  assert.equal(headers.get("message-id"), "<invitation.1@app.test>");
  assert.match(headers.get("subject") ?? "", /^=\?UTF-8\?B\?/);
  assert.equal(Buffer.from(/\?B\?(.*)\?=/.exec(headers.get("subject")!)![1]!, "base64").toString(), message.subject);
  assert.equal(body, message.text.replace(/\n/g, "\r\n"));
});

test("SMTP: implicit TLS (port 465 style) and AUTH LOGIN when PLAIN is not offered", async () => {
  const server = await fake({ implicitTls: true, credentials, authMechanisms: "LOGIN" });
  await smtpEmailProvider({ host: "localhost", port: server.port, security: "tls", ...credentials, tls: { ca: TEST_TLS_CERT }, from: "no-reply@app.test" })
    .send(message);
  assert.equal(server.received[0]?.secure, true);
  assert.equal(server.received[0]?.user, "mailer");
  assert.ok(server.commands.includes("AUTH LOGIN"));
});

test("SMTP: a header cannot be injected through the subject", async () => {
  const server = await fake();
  await smtpEmailProvider({ host: "127.0.0.1", port: server.port, security: "none", from: "no-reply@app.test" })
    .send({ ...message, subject: "Acme\r\nBcc: attacker@evil.test" });
  const { headers } = parse(server.received[0]!.data);
  assert.equal(headers.has("bcc"), false);
});

test("SMTP: lines starting with a dot survive (dot-stuffing)", async () => {
  const server = await fake();
  await sendMail({ host: "127.0.0.1", port: server.port, security: "none" }, {
    from: "a@app.test", to: ["b@app.test"], data: "Subject: x\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend",
  });
  assert.equal(server.received[0]?.data, "Subject: x\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend");
});

test("SMTP: a permanent refusal (550) is EmailRejected and not retryable; a temporary one (451) is retryable", async () => {
  const server = await fake({ rcptReplies: { "gone@example.com": "550 5.1.1 <gone@example.com>: no such user", "busy@example.com": "451 4.3.0 try again later" } });
  const provider = smtpEmailProvider({ host: "127.0.0.1", port: server.port, security: "none", from: "no-reply@app.test" });

  const permanent = await failureOf(provider.send({ ...message, to: "gone@example.com" }));
  assert.equal(permanent.type, FailureType.EmailRejected);
  assert.equal(permanent.nonRetryable, true);
  assert.match(permanent.message, /RCPT TO refused: 550 5\.1\.1/);

  const transient = await failureOf(provider.send({ ...message, to: "busy@example.com" }));
  assert.equal(transient.type, FailureType.EmailUnavailable);
  assert.equal(transient.nonRetryable, false);
  assert.equal(server.received.length, 0);
});

test("SMTP: STARTTLS required but not offered, or bad credentials, fail for good without sending", async () => {
  const plainOnly = await fake({ credentials });
  const noTls = await failureOf(smtpEmailProvider({ host: "127.0.0.1", port: plainOnly.port, security: "starttls", ...credentials, from: "a@app.test" }).send(message));
  assert.equal(noTls.type, FailureType.EmailRejected);
  assert.match(noTls.message, /does not offer STARTTLS/);
  assert.ok(!plainOnly.commands.some((c) => c.startsWith("AUTH")), "credentials never sent in the clear");

  const badLogin = await failureOf(smtpEmailProvider({ host: "127.0.0.1", port: plainOnly.port, security: "none", user: "mailer", password: "wrong", from: "a@app.test" }).send(message));
  assert.equal(badLogin.type, FailureType.EmailRejected);
  assert.match(badLogin.message, /^SMTP AUTH refused: 535/);
  assert.ok(!badLogin.message.includes("wrong"), "the error does not echo the password");
  assert.equal(plainOnly.received.length, 0);
});

test("SMTP: an unreachable or silent server is EmailUnavailable (retryable) within the timeout", async () => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await failureOf(smtpEmailProvider({ host: "127.0.0.1", port: closedPort, security: "none", from: "a@app.test" }).send(message));
  assert.equal(refused.type, FailureType.EmailUnavailable);
  assert.equal(refused.nonRetryable, false);

  const held = new Set<net.Socket>();
  const silent = net.createServer((socket) => { held.add(socket); });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    const started = Date.now();
    const timedOut = await failureOf(smtpEmailProvider({
      host: "127.0.0.1", port: (silent.address() as AddressInfo).port, security: "none", timeoutMs: 300, from: "a@app.test",
    }).send(message));
    assert.equal(timedOut.type, FailureType.EmailUnavailable);
    assert.match(timedOut.message, /no answer within 300 ms/);
    assert.ok(Date.now() - started < 5_000);
  } finally {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
