import { Observable, type SubjectLike, type Subscriber } from 'rxjs';

/**
 * A Subject cut to what the rules' multicasts need (routing, `connect`, `share` connectors): each
 * value is a plain loop over the subscribers. rxjs' Subject.next builds a closure per call (its
 * error context); the core multicasts every reading several times, 200,000 readings a second.
 * Unlike a Subject it does not remember having completed: use it where everyone subscribes before
 * the source starts (connect) or where a new one is made per connection (share's connector).
 * Unsubscribing replaces the array, so a loop already running is not disturbed.
 */
export class FanOut<T> extends Observable<T> implements SubjectLike<T> {
  private subscribers: Subscriber<T>[] = [];

  constructor() {
    super((subscriber) => {
      this.subscribers = [...this.subscribers, subscriber];
      return () => {
        this.subscribers = this.subscribers.filter((s) => s !== subscriber);
      };
    });
  }

  next(value: T): void {
    const list = this.subscribers;
    for (let i = 0; i < list.length; i++) list[i]!.next(value);
  }

  error(err: unknown): void {
    for (const s of this.subscribers) s.error(err);
  }

  complete(): void {
    for (const s of this.subscribers) s.complete();
  }
}
