/**
 * Each scenario's counts, for docs/reliability.md: written as one JSON file per scenario into
 * CHAOS_REPORT_DIR when `npm run test:chaos` sets it (a plain `npm test` writes nothing).
 */
import fs from "node:fs";
import path from "node:path";
import type { ChaosScale } from "./scale.ts";

export interface ScenarioRecord {
  readonly group: "faults" | "hostile input" | "hostile callers" | "hostile starts" | "hostile proxy traffic";
  readonly scenario: string;
  readonly scale: ChaosScale;
  /** Faults injected (fault scenarios) or distinct attack kinds (hostile ones). */
  readonly faults: readonly string[];
  /** Bootstraps requested by legitimate callers. */
  readonly bootstraps: number;
  /** Hostile inputs or requests tried. */
  readonly inputs: number;
  readonly answers: Readonly<Record<string, number>>;
  readonly lost: number;
  readonly duplicated: number;
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export function recordScenario(record: ScenarioRecord): void {
  const dir = process.env.CHAOS_REPORT_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const file = `${record.group}-${record.scenario}`.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 120);
  // recordedAt keeps the report in the order the scenarios ran.
  fs.writeFileSync(path.join(dir, `${file}.json`), JSON.stringify({ ...record, recordedAt: Date.now() }, null, 2));
}

export const answersOf = (map: ReadonlyMap<number, number>): Record<string, number> =>
  Object.fromEntries([...map].sort(([a], [b]) => a - b).map(([status, n]) => [status === 0 ? "no answer" : String(status), n]));
