/**
 * The two outside systems the bootstrap touches, behind interfaces so that `WORKFLOW_MODE`
 * picks a real implementation (HTTP DNS API, SMTP) or a local one that works offline.
 *
 * Every method may be retried by Temporal after a partial failure, so each must be safe to
 * repeat: `ensureRecord` returns the record it (or an earlier attempt) created, `removeRecord`
 * treats "already gone" as success. Failures are ApplicationFailures typed from FailureType.
 */

/** A DNS record the platform created for an organization's subdomain. */
export interface DnsRecord {
  /** The provider's id for the record (needed to remove it). */
  readonly id: string;
  /** Fully qualified name, e.g. `acme.orgs.example.com`. */
  readonly name: string;
  readonly type: "CNAME";
  /** Where the name points: the platform's ingress host. */
  readonly content: string;
}

/** Which record: an organization's subdomain. The organization id marks the record as ours. */
export interface DnsRecordRequest {
  readonly subdomain: string;
  readonly organizationId: string;
}

export interface DnsProvider {
  /**
   * Creates `<subdomain>.<base domain>` for the organization, or returns the record an earlier
   * attempt created. A name held by anyone else is a permanent DnsRejected.
   */
  ensureRecord(request: DnsRecordRequest): Promise<DnsRecord>;
  /**
   * Removes the organization's record, found by name (so a compensation works even when the
   * creating activity failed before reporting the id). Never touches a record that is not the
   * organization's; resolves false when there was nothing to remove.
   */
  removeRecord(request: DnsRecordRequest): Promise<boolean>;
}

export interface EmailMessage {
  /** Globally unique and stable across retries (`<…@host>`), so receivers and the local outbox can de-duplicate. */
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface EmailProvider {
  /** Hands the message to the mail system; resolves once it was accepted for delivery. */
  send(message: EmailMessage): Promise<void>;
}

export interface Providers {
  readonly dns: DnsProvider;
  readonly email: EmailProvider;
}
