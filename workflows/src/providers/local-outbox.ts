import fs from "node:fs";
import path from "node:path";

/**
 * The local providers' "outside world": JSON lines under LOCAL_OUTBOX_DIR that the demo and the
 * tests read. `dns.jsonl` is the DNS change log (create/delete), `email.jsonl` the mailbox.
 *
 * Appends are single `write(2)` calls on a file opened with O_APPEND, so lines from concurrent
 * activities never interleave; a reader that meets a half-written last line skips it.
 */

export const DNS_LOG = "dns.jsonl";
export const EMAIL_LOG = "email.jsonl";

export function appendLine(dir: string, file: string, entry: object): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, file), `${JSON.stringify(entry)}\n`);
}

export function readLines<T>(dir: string, file: string): T[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, file), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  return complete.split("\n").filter(Boolean).map((line) => JSON.parse(line) as T);
}

export interface DnsLogEntry {
  readonly at: string;
  readonly action: "create" | "delete";
  readonly record: { id: string; name: string; type: "CNAME"; content: string; organizationId: string };
}

export interface OutboxEmail {
  readonly at: string;
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** The DNS records that exist now: the change log folded by record name. */
export function readLocalDnsRecords(dir: string): Map<string, DnsLogEntry["record"]> {
  const records = new Map<string, DnsLogEntry["record"]>();
  for (const entry of readLines<DnsLogEntry>(dir, DNS_LOG)) {
    if (entry.action === "create") records.set(entry.record.name, entry.record);
    else records.delete(entry.record.name);
  }
  return records;
}

export function readLocalDnsLog(dir: string): DnsLogEntry[] {
  return readLines<DnsLogEntry>(dir, DNS_LOG);
}

export function readLocalEmails(dir: string): OutboxEmail[] {
  return readLines<OutboxEmail>(dir, EMAIL_LOG);
}
