import { type OperatorFunction, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { EventDraft } from '../../../gateway/core/kit/event-draft.ts';

/** A TestScheduler whose assertions are vitest's deep equality. */
export function marbleScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A draft as a spec reads it: `action kind subject` (and `×count` when flood control set one). */
export function brief(): OperatorFunction<EventDraft, string> {
  return map((d) => `${d.action} ${d.kind} ${d.subject}${d.count !== undefined ? ` ×${d.count}` : ''}`);
}

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
