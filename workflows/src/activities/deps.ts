import type { Providers } from "../providers/types.ts";
import type { EventStore } from "./event-store.ts";
import type { ProjectionReader } from "./projection-reader.ts";

/** Everything activities need from outside, injected so tests can swap any part. */
export interface ActivityDeps {
  readonly events: EventStore;
  readonly projections: ProjectionReader;
  readonly providers: Providers;
  readonly invitations: {
    /** Invitation links are `${appUrl}/invitations/accept?token=…`. */
    readonly appUrl: string;
    /** Key for deriving invitation tokens (invitation-token.ts). */
    readonly tokenSecret: string;
  };
}
