/**
 * The stable `type` of every ApplicationFailure the bootstrap raises. Retry policies, the
 * compensation logic and people reading the Web UI match on these strings, never on class names
 * (a bundler may rename classes). Pure constants: safe to import from workflow code.
 */
export const FailureType = {
  /** The workflow input failed validation: retrying the same input cannot help. */
  InvalidInput: "InvalidBootstrapInput",
  /** The run waited for its recorded event and it never came: nothing was done. */
  RecordedEventMissing: "BootstrapRecordedEventMissing",
  /** The event store could not be reached or answered 5xx: worth retrying. */
  EventStoreUnavailable: "EventStoreUnavailable",
  /** The event store refused the event (constraint, permission, bad payload): permanent. */
  EventStoreRejected: "EventStoreRejected",
  /** The DNS API could not be reached, timed out, or answered 429/5xx: worth retrying. */
  DnsUnavailable: "DnsUnavailable",
  /** The DNS API refused the change (conflict, bad token, bad zone): permanent. */
  DnsRejected: "DnsRejected",
  /** The mail server could not be reached or answered 4xx: worth retrying. */
  EmailUnavailable: "EmailUnavailable",
  /** The mail server refused the message permanently (5xx, e.g. unknown recipient domain). */
  EmailRejected: "EmailRejected",
  /** The workflow gave up after compensating; `details[0]` holds the reason. */
  BootstrapFailed: "OrganizationBootstrapFailed",
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/** Failure types a retry cannot fix: listed in every activity retry policy as a second line of defence. */
export const NON_RETRYABLE_FAILURE_TYPES: readonly FailureTypeName[] = [
  FailureType.InvalidInput,
  FailureType.RecordedEventMissing,
  FailureType.EventStoreRejected,
  FailureType.DnsRejected,
  FailureType.EmailRejected,
];
