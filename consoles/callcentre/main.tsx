// The call-centre board (issue 20): every site in the operator's region, the escalated and overdue
// alarms first, time to acknowledge, and the share acknowledged within 60 s.
import { render } from 'preact';
import { useEffect, useMemo } from 'preact/hooks';
import type { Alarm } from '../../contract/index.ts';
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
      <StreamBanner feed={state} timeZone="Asia/Shanghai" />
      <GatewayStrip alarms={all} />
      <section id="queue">
        <h2>{t('queue')} <span id="queue-count">({queue.length})</span></h2>
        <AlarmTable alarms={queue} now={now} selected={null} actions={null}
          extra={(a) => <span class="escalated">{t('overdue')}</span>} />
      </section>
      <section id="others">
        <h2>{t('openAlarms')} ({rest.length})</h2>
        <AlarmTable alarms={rest} now={now} selected={null} actions={null} />
      </section>
    </main>
  );
}

render(<ConsoleShell title="callTitle">{() => <Board />}</ConsoleShell>, document.getElementById('app')!);
