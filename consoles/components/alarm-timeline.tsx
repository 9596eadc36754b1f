import { useEffect, useState } from 'preact/hooks';
import type { Alarm, AlarmTimeline } from '../../contract/index.ts';
import { getJson } from '../lib/api.ts';
import { kindLabel, lang, t } from '../lib/i18n.ts';
import { placeOf, timeZoneOf } from '../lib/site-plans.ts';
import { siteTime } from '../lib/time.ts';

const ACTIONS: Record<string, [string, string]> = {
  'alarm.raised': ['报警', 'raised'], 'alarm.repeated': ['重复', 'repeated'], 'alarm.cleared': ['恢复', 'cleared'],
  'alarm.escalated': ['升级', 'escalated'], 'alarm.notified': ['通知', 'notified'], 'alarm.acknowledged': ['确认', 'acknowledged'],
  'alarm.attended': ['到场', 'attended'], 'alarm.assigned': ['指派', 'assigned'], 'alarm.commented': ['备注', 'commented'],
  'alarm.resignalled': ['再次提醒', 're-signalled'], 'alarm.resolved': ['关闭', 'resolved'], 'alarm.contact_confirmed': ['联系人已确认', 'contact confirmed'],
};

/** Every audit entry about one alarm, oldest first (GET /alarms/{id}/timeline): who did what, when, from where. */
export function AlarmTimelinePanel({ alarm, onClose, children }: { alarm: Alarm; onClose: () => void; children?: preact.ComponentChildren }) {
  const [timeline, setTimeline] = useState<AlarmTimeline | null | 'none'>(null);
  useEffect(() => {
    getJson<AlarmTimeline>(`/alarms/${encodeURIComponent(alarm.id)}/timeline`).then(setTimeline, () => setTimeline('none'));
  }, [alarm.id, alarm.updatedAt]);
  const zone = timeZoneOf(alarm.siteId);
  const place = placeOf(alarm.siteId, alarm.roomId);
  return (
    <aside id="alarm-timeline">
      <button type="button" class="close" onClick={onClose}>{t('close')}</button>
      <h2>{kindLabel(alarm.kind)} · {place.site} {place.room}</h2>
      {timeline === 'none' && <p class="hint">{t('unavailable')}</p>}
      {timeline && timeline !== 'none' && (
        <ol class="timeline">
          {timeline.entries.map((e) => (
            <li key={e.seq} data-action={e.action}>
              {siteTime(e.at, zone)} · <b>{ACTIONS[e.action]?.[lang() === 'zh' ? 0 : 1] ?? e.action}</b> · {e.actor}
              {e.details && Object.keys(e.details).length > 0 && <small> {summary(e.details)}</small>}
            </li>
          ))}
        </ol>
      )}
      {children}
    </aside>
  );
}

function summary(details: Record<string, unknown>): string {
  return Object.entries(details).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`).join(' ');
}
