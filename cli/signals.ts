// Long-running commands (solver, verifier, demo) and SIGINT/SIGTERM: the first signal starts an
// orderly stop, a second one exits at once, and a stop that hangs is cut off after a grace
// period, so a service never outlives the signal by more than a few seconds.

export const STOP_GRACE_MS = 8_000;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Resolves at the first SIGINT/SIGTERM (listening starts at the call, so call it before
 * starting anything). From then on a second signal, or `graceMs` without the process having
 * exited, ends the process with exit code 130.
 */
export function firstSignal(graceMs = STOP_GRACE_MS): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      for (const s of SIGNALS) process.off(s, onSignal);
      const force = () => process.exit(130);
      for (const s of SIGNALS) process.once(s, force);
      setTimeout(() => {
        process.stderr.write(`optrain: still stopping ${graceMs / 1000} s after ${sig}; exiting\n`);
        process.exit(130);
      }, graceMs).unref();
      resolve(sig);
    };
    for (const s of SIGNALS) process.on(s, onSignal);
  });
}
