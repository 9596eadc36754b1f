import { useEffect, useState } from 'preact/hooks';
import type { AlarmFeed, FeedState } from './alarm-feed.ts';
import { onPlans } from './site-plans.ts';

/** The feed's current state; re-renders on every (frame-batched) change. */
export function useFeed(feed: AlarmFeed): FeedState {
  const [state, setState] = useState(feed.state());
  useEffect(() => feed.subscribe(() => setState(feed.state())), [feed]);
  return state;
}

/** Re-renders every `ms` (ages, "down since", overdue marks). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** Re-renders when a site plan arrives. */
export function usePlans(): void {
  const [, setVersion] = useState(0);
  useEffect(() => onPlans(() => setVersion((v) => v + 1)), []);
}

/** Re-renders when `subscribe` fires. */
export function useSignal(subscribe: (listener: () => void) => () => void): void {
  const [, setVersion] = useState(0);
  useEffect(() => subscribe(() => setVersion((v) => v + 1)), [subscribe]);
}
