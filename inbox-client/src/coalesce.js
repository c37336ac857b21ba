// One call at a time: a call asked for while one runs makes it run once more after, however
// many were asked for meanwhile (the walkthrough's checklist re-read).

/** `run` wrapped so that at most one runs; callers get the promise of the runs covering them. */
export function coalesce(run) {
  let running = null;
  let again = false;
  return function call() {
    if (running) { again = true; return running; }
    running = (async () => {
      try {
        do { again = false; await run(); } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}
