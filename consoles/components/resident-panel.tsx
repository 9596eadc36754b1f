import { useEffect, useState } from 'preact/hooks';
import type { Alarm } from '../../contract/index.ts';
import { getJson } from '../lib/api.ts';
import { kindLabel, t } from '../lib/i18n.ts';
import { residentName, timeZoneOf } from '../lib/site-plans.ts';
import { siteTime } from '../lib/time.ts';

interface Card { name: string; careNotes?: string | null; contacts?: Array<{ name: string; relation?: string | null; phone: string }> }
interface TimelineEntry { at: string; kind: string; value?: number | string | null; label?: string | null }
interface Timeline { entries: TimelineEntry[] }

/** Where the resident's card and timeline are read (issues 18 and 19); every read is audited by the server. */
export const cardPath = (siteId: string, residentId: string) => `/sites/${encodeURIComponent(siteId)}/residents/${encodeURIComponent(residentId)}`;
export const timelinePath = (siteId: string, residentId: string) => `${cardPath(siteId, residentId)}/timeline`;

/** The resident behind an alarm: care notes and contacts first (what the carer needs at the door), then the day so far. */
export function ResidentPanel({ alarm, onClose }: { alarm: Alarm; onClose: () => void }) {
  const [card, setCard] = useState<Card | null | 'none'>(null);
  const [timeline, setTimeline] = useState<Timeline | null | 'none'>(null);
  const residentId = alarm.residentId;
  useEffect(() => {
    if (!residentId) return;
    getJson<Card>(cardPath(alarm.siteId, residentId)).then(setCard, () => setCard('none'));
    getJson<Timeline>(timelinePath(alarm.siteId, residentId)).then(setTimeline, () => setTimeline('none'));
  }, [alarm.siteId, residentId]);
  const zone = timeZoneOf(alarm.siteId);
  return (
    <aside id="resident-panel">
      <button type="button" class="close" onClick={onClose}>{t('close')}</button>
      <h2>{t('card')} · {residentName(alarm.siteId, residentId) ?? '—'}</h2>
      {card === 'none' && <p class="hint">{t('unavailable')}</p>}
      {card && card !== 'none' && (
        <>
          {card.careNotes && <p class="care-notes"><b>{t('careNotes')}</b> {card.careNotes}</p>}
          <h3>{t('contacts')}</h3>
          <ul class="contacts">
            {(card.contacts ?? []).map((c) => <li><a href={`tel:${c.phone.replace(/[ -]/g, '')}`}>{c.name}{c.relation ? ` (${c.relation})` : ''} {c.phone}</a></li>)}
          </ul>
        </>
      )}
      <h3>{t('timeline')}</h3>
      {timeline === 'none' && <p class="hint">{t('unavailable')}</p>}
      {timeline && timeline !== 'none' && <VitalsChart entries={timeline.entries.filter((e) => typeof e.value === 'number')} />}
      {timeline && timeline !== 'none' && (
        <ol class="timeline">
          {timeline.entries.slice(-50).reverse().map((e) => <li>{siteTime(e.at, zone)} {e.label ?? kindLabel(e.kind)} {e.value ?? ''}</li>)}
        </ol>
      )}
    </aside>
  );
}

/** A small line chart of the numeric entries (heart rate, SpO₂): SVG, no charting library needed for one line. */
function VitalsChart({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length < 2) return null;
  const xs = entries.map((e) => Date.parse(e.at));
  const ys = entries.map((e) => Number(e.value));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const w = 300;
  const h = 80;
  const points = entries.map((_, i) => `${((xs[i]! - x0) / (x1 - x0 || 1)) * w},${h - ((ys[i]! - y0) / (y1 - y0 || 1)) * h}`).join(' ');
  return (
    <svg class="vitals" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${y0}–${y1}`}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="2" />
    </svg>
  );
}
