import { ApplicationFailure } from "@temporalio/activity";
import { FailureType } from "../workflows/failure-types.ts";
import { appendLine, EMAIL_LOG, readLocalEmails } from "./local-outbox.ts";
import type { EmailProvider } from "./types.ts";

/**
 * Offline email: the outbox's `email.jsonl` is the mailbox. Like a real mail system it refuses
 * recipients it can never deliver to: domains under `.invalid` (reserved by RFC 2606, so no real
 * address is ever refused) get a permanent 550, which lets the demo and tests drive the
 * compensation path through the real wiring. A message id already in the outbox is not added
 * again, so an activity retried after a crash leaves one email per invitation.
 */
export function localEmailProvider(options: { outboxDir: string; from: string }): EmailProvider {
  return {
    async send(message) {
      const domain = message.to.slice(message.to.lastIndexOf("@") + 1).toLowerCase();
      if (domain === "invalid" || domain.endsWith(".invalid")) {
        throw ApplicationFailure.create({
          type: FailureType.EmailRejected,
          message: `550 5.1.2 ${message.to}: recipient domain does not exist`,
          nonRetryable: true,
        });
      }
      if (readLocalEmails(options.outboxDir).some((sent) => sent.messageId === message.messageId)) return;
      appendLine(options.outboxDir, EMAIL_LOG, { at: new Date().toISOString(), from: options.from, ...message });
    },
  };
}
