// Runs one job at a time; a request while it runs makes it run once more afterwards. Paced by its
// own cost: after a run whose work took T ms, the next waits until T ms have passed (waiting on the
// announcer costs no CPU and does not count). A burst of changes (thousands of Service updates at
// 10k Services) then costs at most half a core, each run takes in everything that arrived
// meanwhile, and a small cluster, whose runs take well under a millisecond, reacts at once.
import { performance } from 'node:perf_hooks';

export interface PacedRunnerOptions {
  /** The job; resolves to the milliseconds of its own work, which pace the next run. */
  readonly job: () => Promise<number>;
  /** A failed run; another is scheduled after retryMs. */
  readonly onError: (error: Error) => void;
  readonly retryMs: number;
}

export class PacedRunner {
  readonly #options: PacedRunnerOptions;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #lastRun = { end: 0, took: 0 };
  #stopped = false;

  constructor(options: PacedRunnerOptions) {
    this.#options = options;
  }

  /** The run in progress, if any. */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  schedule(): void {
    if (this.#stopped || this.#timer) return;
    const wait = this.#lastRun.end + this.#lastRun.took - performance.now();
    this.#timer = setTimeout(() => this.#run(), Math.max(0, wait));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#running) {
      this.#again = true;
      return;
    }
    let took = 0;
    this.#running = this.#options
      .job()
      .then((ms) => {
        took = ms;
      })
      .catch((error: Error) => {
        this.#options.onError(error);
        setTimeout(() => this.schedule(), this.#options.retryMs);
      })
      .finally(() => {
        this.#lastRun = { end: performance.now(), took };
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.schedule();
        }
      });
  }
}
