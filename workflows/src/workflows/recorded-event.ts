import { ApplicationFailure, setCurrentDetails, sleep } from "@temporalio/workflow";
import { FailureType } from "./failure-types.ts";

/**
 * Pauses between reads of the recorded event. A legitimate start comes after its event is committed,
 * so the first read finds it; a start that comes first (a forged or early one) waits about a minute in
 * all, then the run ends having done nothing. Short on purpose: such a run holds the workflow id while
 * it waits.
 */
export const RECORDED_EVENT_WAITS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000];

/**
 * A trigger workflow's first step, for every trigger: `read` (an activity that loads the recorded
 * event and records the start) until it finds the event, with durable timers between reads. When the
 * event never comes, the run fails RecordedEventMissing having written nothing: the sweep replaces
 * such a run once the event exists (the reconciler's `closedHavingDoneNothing`).
 */
export async function readRecordedEvent<T>(what: string, read: () => Promise<T | null>): Promise<T> {
  setCurrentDetails(`reading the recorded ${what}`);
  let recorded = await read();
  for (const waitMs of RECORDED_EVENT_WAITS_MS) {
    if (recorded) return recorded;
    setCurrentDetails(`waiting for the recorded ${what}: the start came before it`);
    await sleep(waitMs);
    recorded = await read();
  }
  if (recorded) return recorded;
  throw ApplicationFailure.create({
    type: FailureType.RecordedEventMissing,
    message: `no recorded ${what}: nothing was done (the start came without its event)`,
    nonRetryable: true,
  });
}
