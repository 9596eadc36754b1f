/**
 * Runs async units of work one after another, whatever each one's outcome: a unit's awaits never
 * interleave with the next one's on the same connection (embedded store) or hold a second
 * connection waiting for the write lock (PostgreSQL store).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    // The queue moves on whatever the job's outcome; the caller gets the outcome itself.
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}
