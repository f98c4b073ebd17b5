/**
 * Calls `stop(reason)` when the process is asked to stop: SIGINT (Ctrl-C), SIGTERM, SIGHUP (the
 * terminal closed), or the process that started this one going away. npm does not pass SIGTERM on
 * to its script, and a parent killed with SIGKILL stops nobody, so without that watch Postgres,
 * Temporal and the workers would keep running with no one left to stop them. `stop` may be called
 * more than once; it decides what a second request means.
 */
export function onStopRequest(stop: (reason: string) => void): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stop(signal));
  const parentPid = process.ppid;
  if (parentPid === 1) return; // started by init (a container's entrypoint): there is no parent to outlive
  setInterval(() => {
    if (process.ppid !== parentPid) stop("parent process exited");
  }, 1000).unref();
}
