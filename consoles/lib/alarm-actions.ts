// The alarm actions every console shares; the answer is the alarm as it is now, applied at once
// (the stream brings the same change a moment later, and the feed keeps the newer of the two).
import type { Alarm } from '../../contract/index.ts';
import { ApiError, postJson } from './api.ts';
import type { AlarmFeed } from './alarm-feed.ts';
import { t } from './i18n.ts';

export async function act(feed: AlarmFeed, alarm: Alarm, action: string, body: unknown = {}): Promise<string | null> {
  try {
    feed.apply(await postJson<Alarm>(`/alarms/${encodeURIComponent(alarm.id)}/${action}`, body));
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.status === 404 && !error.message.includes(alarm.id) ? t('unavailable') : error.message;
    return t('networkError');
  }
}
