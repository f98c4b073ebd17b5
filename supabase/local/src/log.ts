/** Progress output for people: one line per step, with elapsed time while waiting. */
export interface Progress {
  step(message: string): void;
  done(message: string): void;
  warn(message: string): void;
}

export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return {
    step: (message) => stream.write(`… ${message}\n`),
    done: (message) => stream.write(`✔ ${message}\n`),
    warn: (message) => stream.write(`! ${message}\n`),
  };
}

export const silentProgress: Progress = { step() {}, done() {}, warn() {} };
