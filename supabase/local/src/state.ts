import fs from "node:fs";
import path from "node:path";
import type { StackEnv } from "./stack.ts";

/** What a running `npm start` leaves for `npm run status` and `npm run token`. */
export interface StackState {
  readonly pid: number;
  readonly env: StackEnv;
}

const stateFile = (dataDir: string) => path.join(dataDir, "stack.json");

export function writeStackState(dataDir: string, state: StackState): void {
  fs.writeFileSync(stateFile(dataDir), JSON.stringify(state, null, 2), { mode: 0o600 });
}

export function clearStackState(dataDir: string): void {
  fs.rmSync(stateFile(dataDir), { force: true });
}

export function readStackState(dataDir: string): StackState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dataDir), "utf8")) as StackState;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
