import { ApplicationFailure } from "@temporalio/activity";
import { FailureType } from "../workflows/failure-types.ts";
import { sendMail, SmtpError, type SmtpOptions } from "./smtp-client.ts";
import type { EmailMessage, EmailProvider } from "./types.ts";

/** `Platform <noreply@example.com>` or `noreply@example.com` → the bare address for MAIL FROM. */
export function envelopeAddress(mailbox: string): string {
  return /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox.trim();
}

/** RFC 2047 encoded-word: also the reason a name containing CR/LF cannot inject headers. */
function encodeHeaderText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, "utf8").toString("base64")}?=`;
}

function headerValue(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw ApplicationFailure.create({ type: FailureType.EmailRejected, message: `${name} header contains a line break`, nonRetryable: true });
  return value;
}

/** A text/plain UTF-8 message, base64 bodied so any server accepts it (no 8BITMIME needed). */
export function formatMessage(from: string, message: EmailMessage, date = new Date()): string {
  const body = Buffer.from(message.text.replace(/\r?\n/g, "\r\n"), "utf8").toString("base64").replace(/.{76}/g, "$&\r\n");
  return [
    `From: ${headerValue("From", from)}`,
    `To: ${headerValue("To", message.to)}`,
    `Subject: ${encodeHeaderText(message.subject)}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: ${headerValue("Message-ID", message.messageId)}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    body,
  ].join("\r\n");
}

/**
 * Email over SMTP. 4xx answers and dropped connections are retried by Temporal; 5xx answers
 * (unknown user, relay denied, no STARTTLS) are permanent and start the compensation.
 * SMTP itself is at-least-once: a crash after the server accepted DATA re-sends on retry.
 */
export function smtpEmailProvider(options: SmtpOptions & { from: string }): EmailProvider {
  return {
    async send(message) {
      try {
        await sendMail(options, {
          from: envelopeAddress(options.from),
          to: [message.to],
          data: formatMessage(options.from, message),
        });
      } catch (error) {
        if (!(error instanceof SmtpError)) throw error;
        throw ApplicationFailure.create({
          type: error.permanent ? FailureType.EmailRejected : FailureType.EmailUnavailable,
          message: error.message,
          nonRetryable: error.permanent,
        });
      }
    },
  };
}
