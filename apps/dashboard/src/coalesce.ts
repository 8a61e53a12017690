/**
 * Runs `task` at most once per `waitMs`, however often it is asked for: a burst of live
 * events turns into one refetch, which keeps the page well under the API's rate limit.
 */
export function coalesce(
  task: () => Promise<void> | void,
  waitMs: number,
): {
  (): void;
  cancel(): void;
} {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const run = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await task();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    timer ??= setTimeout(() => void run(), waitMs);
  };
  schedule.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return schedule;
}
