import { useState } from 'preact/hooks';
import type { Alarm } from '../../contract/index.ts';
import { lang, t } from '../lib/i18n.ts';

/** Outcome codes of issue 18; the server's list is authoritative, these are their words. */
export const OUTCOMES: Array<[string, string, string]> = [
  ['false_alarm', '误报', 'False alarm'],
  ['resident_helped', '已协助住户', 'Resident helped'],
  ['ambulance_called', '已呼叫救护车', 'Ambulance called'],
  ['fire_brigade_called', '已呼叫消防队', 'Fire brigade called'],
  ['device_fault', '设备故障', 'Device fault'],
  ['other', '其他', 'Other'],
];

/** Resolve with an outcome and a note; the note is required for a critical alarm (issue 18). */
export function ResolveDialog({ alarm, onResolve, onCancel }: { alarm: Alarm; onResolve: (outcome: string, note: string) => void; onCancel: () => void }) {
  const [outcome, setOutcome] = useState(OUTCOMES[1]![0]);
  const [note, setNote] = useState('');
  const noteNeeded = alarm.severity === 'critical' && note.trim() === '';
  return (
    <div class="dialog" role="dialog" aria-modal="true">
      <form id="resolve-form" onSubmit={(e) => { e.preventDefault(); if (note.trim()) onResolve(outcome, note.trim()); }}>
        <label>{t('outcome')}
          <select name="outcome" value={outcome} onChange={(e) => setOutcome((e.currentTarget as HTMLSelectElement).value)}>
            {OUTCOMES.map(([code, zh, en]) => <option value={code}>{lang() === 'zh' ? zh : en}</option>)}
          </select>
        </label>
        <label>{t('note')}
          <textarea name="note" required value={note} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
        </label>
        {noteNeeded && <p class="hint">{t('noteRequired')}</p>}
        <div class="row">
          <button type="submit" disabled={note.trim() === ''}>{t('resolve')}</button>
          <button type="button" onClick={onCancel}>{t('cancel')}</button>
        </div>
      </form>
    </div>
  );
}
