export interface RepeatingTask {
  /** Stops the timer and waits for the run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs` (first run after one interval), never two runs at once; a run
 * that throws goes to `onError` and the next interval tries again. The timer does not keep the
 * process alive.
 */
export function repeatEvery(intervalMs: number, work: () => Promise<unknown>, onError: (err: unknown) => void): RepeatingTask {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= work()
      .then(() => undefined, onError)
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
