// The call-centre board (issue 20): every site in the operator's region, the escalated and overdue
// alarms first, time to acknowledge, and the share acknowledged within 60 s.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AckStats, Alarm } from '../../contract/index.ts';
import { getJson } from '../lib/api.ts';
import { DEFAULT_TIME_ZONE } from '../lib/site-plans.ts';
import { siteWallClockToIso } from '../lib/zoned-time.ts';
import { AlarmFeed } from '../lib/alarm-feed.ts';
import { useFeed, usePlans, useTick } from '../lib/hooks.ts';
import { t } from '../lib/i18n.ts';
import { byPriority, isUnacked } from '../lib/order.ts';
import { AlarmTable } from '../components/alarm-table.tsx';
import { StreamBanner } from '../components/banners.tsx';
import { ConsoleShell } from '../components/console-shell.tsx';
import { GatewayStrip } from '../components/gateway-strip.tsx';

/** Telecare practice (TSA/TEC Quality Standards): a call acknowledged within 60 s. */
const ACK_TARGET_MS = 60_000;

/** Escalated by the server (issue 18), or simply waiting longer than the target: the call centre's queue. */
export function inQueue(alarm: Alarm & { escalation?: { level: number } | null }, now: number): boolean {
  if (!isUnacked(alarm)) return false;
  return (alarm.escalation?.level ?? 0) > 0 || now - Date.parse(alarm.raisedAt) > ACK_TARGET_MS;
}

/** Local midnight today in the zone, as an instant. */
function startOfToday(timeZone: string, now: number): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  return siteWallClockToIso(`${day}T00:00`, timeZone);
}

/** The share acknowledged within 60 s today and over 7 days (GET /stats/acknowledgement), refreshed each minute and when the queue changes. */
function AckShare({ now, queued }: { now: number; queued: number }) {
  const [today, setToday] = useState<AckStats | null>(null);
  const [week, setWeek] = useState<AckStats | null>(null);
  const minute = Math.floor(now / 60_000);
  useEffect(() => {
    const to = new Date(now + 60_000).toISOString();
    const get = (from: string) => getJson<AckStats>(`/stats/acknowledgement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    get(startOfToday(DEFAULT_TIME_ZONE, now)).then(setToday, () => setToday(null));
    get(new Date(now - 7 * 86_400_000).toISOString()).then(setWeek, () => setWeek(null));
  }, [minute, queued]); // also when an alarm turns overdue: it is decided then
  const show = (s: AckStats | null) => (s && s.share !== null ? `${(s.share * 100).toFixed(1)} %` : '—');
  const detail = (s: AckStats | null) => (s ? `${s.withinTarget}/${s.alarms}${s.medianAckSec !== null ? ` · ${t('timeToAck')} ${s.medianAckSec} s` : ''}` : '');
  return (
    <div class="kpi" id="ack-share">
      <div data-window="today"><span>{t('ackWithin60')} · {t('today')}</span><b>{show(today)}</b><small>{detail(today)}</small></div>
      <div data-window="7d"><span>{t('ackWithin60')} · {t('last7Days')}</span><b>{show(week)}</b><small>{detail(week)}</small></div>
    </div>
  );
}

/** Time to acknowledge: how long it took, or how long it has waited so far. */
function timeToAck(alarm: Alarm, now: number): string {
  const raised = Date.parse(alarm.raisedAt);
  const until = alarm.ackedAt ? Date.parse(alarm.ackedAt) : now;
  const s = Math.max(0, Math.round((until - raised) / 1000));
  return `${alarm.ackedAt ? '' : `${t('waiting')} `}${s < 120 ? `${s} s` : `${Math.floor(s / 60)} min`}`;
}

function Board() {
  const feed = useMemo(() => new AlarmFeed(), []);
  useEffect(() => { feed.start(); return () => feed.stop(); }, [feed]);
  const state = useFeed(feed);
  usePlans();
  const now = useTick(1_000);
  const all = [...state.alarms.values()];
  const queue = all.filter((a) => inQueue(a, now)).sort(byPriority);
  const rest = all.filter((a) => !inQueue(a, now)).sort(byPriority);
  useEffect(() => { document.body.dataset.stream = state.live ? 'live' : 'down'; });
  return (
    <main id="board">
      <StreamBanner feed={state} timeZone={DEFAULT_TIME_ZONE} />
      <GatewayStrip alarms={all} />
      <AckShare now={now} queued={queue.length} />
      <section id="queue">
        <h2>{t('queue')} <span id="queue-count">({queue.length})</span></h2>
        <AlarmTable alarms={queue} now={now} selected={null} actions={null}
          extra={(a) => <span class="escalated">{t('overdue')} · {timeToAck(a, now)}</span>} />
      </section>
      <section id="others">
        <h2>{t('openAlarms')} ({rest.length})</h2>
        <AlarmTable alarms={rest} now={now} selected={null} actions={null} extra={(a) => <span class="ack-time">{timeToAck(a, now)}</span>} />
      </section>
    </main>
  );
}

render(<ConsoleShell title="callTitle">{() => <Board />}</ConsoleShell>, document.getElementById('app')!);
