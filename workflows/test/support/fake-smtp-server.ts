/**
 * A local fake SMTP server speaking EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, QUIT,
 * enough to test the SMTP client over a real socket. Recipients can be refused permanently (550)
 * or transiently (451), and STARTTLS uses a self-signed test certificate.
 */
import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";

/**
 * Test-only certificate and key for `localhost`/127.0.0.1 (self-signed, P-256, valid until 2126).
 * Never used outside tests; clients trust it by passing it as `ca`.
 */
export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUBVZMxrqxrlWQHBJqT8+7U34IaUgwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE3MDkwNFoYDzIxMjYxMTAx
MTcwOTA0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARiz4kYJNMovE8zGcG5THaktrzPMID2jAAYDJwnaI6SmaWKij4O34+8
cuSs6iFpccdnXAOOyy3SqJjg8My9pP68o28wbTAdBgNVHQ4EFgQUCHJP8O4DP/QC
O7OAQfMpq5Sghm8wHwYDVR0jBBgwFoAUCHJP8O4DP/QCO7OAQfMpq5Sghm8wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIgIJBlbVeggJ1CsaDim+R0kccRUbhBuGf495JBxJwiPZcCIQC5
Z3TJGNtW0c+xl4RqfSYWFFYTCDMGsqn+XA0pgERNsA==
-----END CERTIFICATE-----
`;
const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgak4977Ww7mX9WSbs
cKnvRLawLrohahIJhcPuzCdLRmqhRANCAARiz4kYJNMovE8zGcG5THaktrzPMID2
jAAYDJwnaI6SmaWKij4O34+8cuSs6iFpccdnXAOOyy3SqJjg8My9pP68
-----END PRIVATE KEY-----
`;

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  /** The message as received, dot-stuffing undone. */
  readonly data: string;
  /** Whether the session was upgraded with STARTTLS before the message. */
  readonly secure: boolean;
  readonly user: string | undefined;
}

export interface FakeSmtpOptions {
  /** Require AUTH with these credentials before MAIL. */
  readonly credentials?: { user: string; password: string };
  /** Advertise STARTTLS (and accept it). */
  readonly startTls?: boolean;
  /** Speak TLS from the first byte (port 465 style). */
  readonly implicitTls?: boolean;
  /** The AUTH mechanisms advertised; default "PLAIN LOGIN". */
  readonly authMechanisms?: string;
  /** RCPT answer per recipient, e.g. `{ "x@y": "550 5.1.1 no such user" }`. */
  readonly rcptReplies?: Record<string, string>;
}

export interface FakeSmtpServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Every command line the server read (AUTH payloads included: the tests check what was sent). */
  readonly commands: string[];
  close(): Promise<void>;
}

export async function startFakeSmtpServer(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const received: ReceivedMail[] = [];
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const secureContext = tls.createSecureContext({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY });

  const server = net.createServer((plain) => {
    sockets.add(plain);
    plain.on("close", () => sockets.delete(plain));
    plain.on("error", () => {});
    let socket: net.Socket = plain;
    let secure = false;
    let buffer = "";
    let user: string | undefined;
    let mail: { from: string; to: string[] } | undefined;
    let data: string[] | undefined;
    let login: "user" | "password" | undefined;
    let loginUser = "";
    const reply = (line: string): void => {
      socket.write(`${line}\r\n`);
    };

    const onLine = (line: string): void => {
      if (data) {
        if (line === ".") {
          received.push({ from: mail!.from, to: mail!.to, data: data.join("\r\n"), secure, user });
          data = undefined;
          mail = undefined;
          return reply("250 2.0.0 Ok: queued as FAKE1");
        }
        data.push(line.startsWith("..") ? line.slice(1) : line);
        return;
      }
      commands.push(line);
      if (login === "user") { loginUser = Buffer.from(line, "base64").toString(); login = "password"; return reply("334 UGFzc3dvcmQ6"); }
      if (login === "password") {
        login = undefined;
        const ok = loginUser === options.credentials?.user && Buffer.from(line, "base64").toString() === options.credentials?.password;
        if (ok) user = loginUser;
        return reply(ok ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
      }
      const [verb = "", ...rest] = line.split(" ");
      const arg = rest.join(" ");
      switch (verb.toUpperCase()) {
        case "EHLO":
          return reply([
            "250-fake.smtp.test",
            ...(options.startTls && !secure ? ["250-STARTTLS"] : []),
            ...(options.credentials ? [`250-AUTH ${options.authMechanisms ?? "PLAIN LOGIN"}`] : []),
            "250 8BITMIME",
          ].join("\r\n"));
        case "STARTTLS": {
          if (!options.startTls) return reply("502 5.5.1 not supported");
          reply("220 2.0.0 Ready to start TLS");
          plain.removeAllListeners("data");
          const upgraded = new tls.TLSSocket(plain, { isServer: true, secureContext });
          upgraded.on("error", () => {});
          upgraded.on("data", onData);
          socket = upgraded;
          secure = true;
          buffer = "";
          return;
        }
        case "AUTH": {
          const [mechanism, initial] = arg.split(" ");
          if (mechanism?.toUpperCase() === "LOGIN") { login = "user"; return reply("334 VXNlcm5hbWU6"); }
          const [, u, p] = Buffer.from(initial ?? "", "base64").toString().split("\0");
          const ok = u === options.credentials?.user && p === options.credentials?.password;
          if (ok) user = u;
          return reply(ok ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
        }
        case "MAIL":
          if (options.credentials && !user) return reply("530 5.7.0 Authentication required");
          mail = { from: /<(.*)>/.exec(arg)?.[1] ?? "", to: [] };
          return reply("250 2.1.0 Ok");
        case "RCPT": {
          const to = /<(.*)>/.exec(arg)?.[1] ?? "";
          const refusal = options.rcptReplies?.[to];
          if (refusal) return reply(refusal);
          mail?.to.push(to);
          return reply("250 2.1.5 Ok");
        }
        case "DATA":
          data = [];
          return reply("354 End data with <CR><LF>.<CR><LF>");
        case "RSET":
          mail = undefined;
          return reply("250 2.0.0 Ok");
        case "QUIT":
          reply("221 2.0.0 Bye");
          socket.end();
          return;
        default:
          return reply("502 5.5.2 Error: command not recognized");
      }
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let end: number;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onLine(line);
      }
    };
    if (options.implicitTls) {
      const upgraded = new tls.TLSSocket(plain, { isServer: true, secureContext });
      upgraded.on("error", () => {});
      upgraded.on("data", onData);
      socket = upgraded;
      secure = true;
    } else {
      plain.on("data", onData);
    }
    reply("220 fake.smtp.test ESMTP");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    commands,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
