import net from "node:net";
import tls from "node:tls";

/**
 * A minimal SMTP submission client (RFC 5321 + STARTTLS 3207 + AUTH PLAIN/LOGIN 4954) over
 * node:net/node:tls: one message per connection, no pipelining. Enough for invitation emails and
 * small enough to read in one sitting; a dependency like nodemailer would bring far more surface.
 */

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** `tls`: implicit TLS (port 465); `starttls`: upgrade after EHLO (587), refused if not offered; `none`: local fakes only. */
  readonly security: "tls" | "starttls" | "none";
  readonly user?: string;
  readonly password?: string;
  /** Name sent with EHLO. */
  readonly clientName?: string;
  readonly timeoutMs?: number;
  /** Extra TLS settings, e.g. `{ ca }` for a private CA. */
  readonly tls?: tls.ConnectionOptions;
}

export interface SmtpEnvelope {
  readonly from: string;
  readonly to: readonly string[];
  /** The RFC 5322 message, CRLF line endings; dot-stuffing is done here. */
  readonly data: string;
}

export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

/**
 * Thrown when the server refuses a command (`code` set: 4xx transient, 5xx permanent) or the
 * connection fails (`code` undefined: transient). `stage` names the command, never its arguments,
 * so credentials cannot leak into logs.
 */
export class SmtpError extends Error {
  override readonly name = "SmtpError";
  constructor(readonly stage: string, message: string, readonly code?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
  get permanent(): boolean {
    return this.code !== undefined && this.code >= 500;
  }
}

/** Collects CRLF lines into complete (possibly multi-line `250-…`) replies. */
class ReplyReader {
  private buffer = "";
  private pending: string[] = [];
  private readonly replies: SmtpReply[] = [];
  private waiter: { resolve(reply: SmtpReply): void; reject(error: Error): void } | undefined;
  private failure: Error | undefined;

  readonly onData = (chunk: Buffer): void => {
    this.buffer += chunk.toString("utf8");
    let end: number;
    while ((end = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, end).replace(/\r$/, "");
      this.buffer = this.buffer.slice(end + 1);
      this.pending.push(line.slice(4));
      if (/^\d{3}(?: |$)/.test(line)) {
        this.replies.push({ code: Number(line.slice(0, 3)), lines: this.pending });
        this.pending = [];
      }
    }
    this.flush();
  };

  readonly onFailure = (error: Error): void => {
    this.failure ??= error;
    this.flush();
  };

  next(): Promise<SmtpReply> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.flush();
    });
  }

  private flush(): void {
    if (!this.waiter) return;
    const reply = this.replies.shift();
    if (reply) {
      this.waiter.resolve(reply);
      this.waiter = undefined;
    } else if (this.failure) {
      this.waiter.reject(this.failure);
      this.waiter = undefined;
    }
  }
}

class Session {
  private reader = new ReplyReader();

  constructor(private socket: net.Socket, private readonly timeoutMs: number) {
    this.attach();
  }

  private attach(): void {
    this.socket.setTimeout(this.timeoutMs, () => this.socket.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
    this.socket.on("data", this.reader.onData);
    this.socket.on("error", this.reader.onFailure);
    this.socket.on("close", () => this.reader.onFailure(new Error("the server closed the connection")));
  }

  async expect(stage: string, codes: readonly number[]): Promise<SmtpReply> {
    let reply: SmtpReply;
    try {
      reply = await this.reader.next();
    } catch (error) {
      throw new SmtpError(stage, `SMTP ${stage}: ${(error as Error).message}`, undefined, { cause: error });
    }
    if (!codes.includes(reply.code)) {
      throw new SmtpError(stage, `SMTP ${stage} refused: ${reply.code} ${reply.lines.join(" ")}`.trim(), reply.code);
    }
    return reply;
  }

  /** Sends one command line; `stage` (not the line) is what errors mention. */
  send(stage: string, line: string, codes: readonly number[]): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.expect(stage, codes);
  }

  write(data: string): void {
    this.socket.write(data);
  }

  async upgrade(options: SmtpOptions): Promise<void> {
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("error");
    this.socket.removeAllListeners("close");
    this.socket.setTimeout(0);
    const secure = tls.connect({ ...options.tls, socket: this.socket, servername: options.host });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", (error) => reject(new SmtpError("STARTTLS", `SMTP STARTTLS: ${error.message}`, undefined, { cause: error })));
    });
    this.socket = secure;
    this.reader = new ReplyReader();
    this.attach();
  }

  close(): void {
    this.socket.destroy();
  }
}

function connect(options: SmtpOptions, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = options.security === "tls"
      ? tls.connect({ ...options.tls, host: options.host, port: options.port, servername: options.host })
      : net.connect({ host: options.host, port: options.port });
    const timer = setTimeout(() => socket.destroy(new Error(`could not connect within ${timeoutMs} ms`)), timeoutMs);
    socket.once(options.security === "tls" ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new SmtpError("CONNECT", `SMTP connect to ${options.host}:${options.port}: ${error.message}`, undefined, { cause: error }));
    });
  });
}

function extensions(reply: SmtpReply): Map<string, string> {
  // The first line is the greeting; each further line is `KEYWORD [params]`.
  return new Map(reply.lines.slice(1).map((line) => {
    const [keyword = "", ...params] = line.trim().split(/\s+/);
    return [keyword.toUpperCase(), params.join(" ").toUpperCase()];
  }));
}

/** RFC 5321 §4.5.2: a line starting with "." gets another "."; the message ends with CRLF.CRLF. */
export function dotStuff(data: string): string {
  const body = data.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..");
  return `${body}${body.endsWith("\r\n") ? "" : "\r\n"}.\r\n`;
}

/** Delivers one message; resolves with the server's final answer to DATA (often a queue id). */
export async function sendMail(options: SmtpOptions, envelope: SmtpEnvelope): Promise<SmtpReply> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  for (const address of [envelope.from, ...envelope.to]) {
    if (/[\s<>]/.test(address)) throw new SmtpError("ENVELOPE", `SMTP: not a bare address: ${JSON.stringify(address)}`, 501);
  }
  const session = new Session(await connect(options, timeoutMs), timeoutMs);
  try {
    await session.expect("greeting", [220]);
    const clientName = options.clientName ?? "localhost";
    let ehlo = await session.send("EHLO", `EHLO ${clientName}`, [250]);
    if (options.security === "starttls") {
      if (!extensions(ehlo).has("STARTTLS")) throw new SmtpError("STARTTLS", "SMTP server does not offer STARTTLS", 554);
      await session.send("STARTTLS", "STARTTLS", [220]);
      await session.upgrade(options);
      ehlo = await session.send("EHLO", `EHLO ${clientName}`, [250]);
    }
    if (options.user !== undefined) {
      const mechanisms = extensions(ehlo).get("AUTH")?.split(" ") ?? [];
      const password = options.password ?? "";
      if (mechanisms.includes("PLAIN")) {
        const token = Buffer.from(`\0${options.user}\0${password}`).toString("base64");
        await session.send("AUTH", `AUTH PLAIN ${token}`, [235]);
      } else if (mechanisms.includes("LOGIN")) {
        await session.send("AUTH", "AUTH LOGIN", [334]);
        await session.send("AUTH", Buffer.from(options.user).toString("base64"), [334]);
        await session.send("AUTH", Buffer.from(password).toString("base64"), [235]);
      } else {
        throw new SmtpError("AUTH", "SMTP server offers neither AUTH PLAIN nor AUTH LOGIN", 504);
      }
    }
    await session.send("MAIL FROM", `MAIL FROM:<${envelope.from}>`, [250]);
    for (const to of envelope.to) await session.send("RCPT TO", `RCPT TO:<${to}>`, [250, 251]);
    await session.send("DATA", "DATA", [354]);
    session.write(dotStuff(envelope.data));
    const accepted = await session.expect("message", [250]);
    await session.send("QUIT", "QUIT", [221]).catch(() => undefined); // the message is already accepted
    return accepted;
  } finally {
    session.close();
  }
}
