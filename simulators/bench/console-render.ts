// Issue 20's console figures, measured in Debian's Chromium: first render of the night-staff
// console with 1,000 open alarms, and the time from a change sent to the server to the row updated
// on screen at 50 changes/s. Baselines in the same run, same page, same warm-up: for the first
// render, fetching and parsing the same 1,000-alarm list; for updates, a bare SSE reader in the same
// page timing the arrival of each change (what is left is the console's own work).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, chromium } from 'playwright-core';
import { API_PREFIX, hashSecret } from '../../contract/index.ts';
import type { EventInput } from '../../contract/index.ts';
import { startServer } from '../../server/main.ts';
import { median, percentile, round } from './stats.ts';

export interface ConsoleRenderResult {
  openAlarms: number;
  firstRenderMs: number;
  listFetchMs: number;
  changes: number;
  changesPerSec: number;
  updateP50Ms: number;
  updateP95Ms: number;
  arrivalP50Ms: number;
  arrivalP95Ms: number;
}

const OPEN = 1_000;
const RATE = 50;
const SECONDS = 20;
const RENDER_RUNS = 5;

export async function benchConsoleRender(): Promise<ConsoleRenderResult> {
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-console-'));
  const staff = `tok-staff-${Math.random().toString(36).slice(2)}`;
  const gateway = `tok-gw-${Math.random().toString(36).slice(2)}`;
  const provisionFile = join(dir, 'provisioning.json');
  writeFileSync(provisionFile, JSON.stringify({
    users: [{ username: 'nurse', role: 'staff', sites: ['site-a'], tokenHash: hashSecret(staff) }],
    gateways: [{ gatewayId: 'gw-a', sites: ['site-a'], tokenHash: hashSecret(gateway) }],
  }), { mode: 0o600 });
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, provisionFile, logger: false });
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    let seq = 0;
    const eventFor = (n: number): EventInput => {
      seq += 1;
      return {
        id: `bench-${seq}-${Math.random().toString(36).slice(2, 8)}`, siteId: 'site-a', kind: 'call.button', action: 'raise',
        severity: n % 10 === 0 ? 'critical' : 'major', lane: 'alarm', subject: `device:btn-${n}`, deviceId: `btn-${n}`,
        roomId: `r${n}`, ts: Date.now(), createdAt: Date.now(), seq, count: 1,
      };
    };
    const ingest = async (events: EventInput[]): Promise<void> => {
      const response = await fetch(`${server.url}${API_PREFIX}/ingest`, {
        method: 'POST', headers: { authorization: `Bearer ${gateway}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gatewayId: 'gw-a', events }),
      });
      if (!response.ok) throw new Error(`ingest answered ${response.status}`);
    };
    for (let i = 0; i < OPEN; i += 100) await ingest(Array.from({ length: 100 }, (_, k) => eventFor(i + k)));

    const page = context.pages()[0] ?? (await context.newPage());
    // Before any page script: note when the table first holds every open alarm.
    await page.addInitScript(`(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelectorAll('#alarms tbody tr').length >= ${OPEN}) { window.__firstRender = performance.now(); observer.disconnect(); }
      }).observe(document, { childList: true, subtree: true });
    })()`);
    const firstRenders: number[] = [];
    const fetches: number[] = [];
    for (let run = 0; run < RENDER_RUNS + 1; run += 1) {
      // From a blank page each time: a second goto to the console's URL with only the #token
      // fragment changed would be a same-document navigation, not a page load.
      await page.goto('about:blank');
      await page.goto(`${server.url}/#token=${encodeURIComponent(staff)}`);
      await until(page, 'window.__firstRender !== undefined', 30_000, 'the console did not render the open alarms');
      const rendered = await page.evaluate('window.__firstRender') as number;
      // Baseline: the same list, fetched and parsed in the same page (from the navigation's start, like the render).
      const fetched = await page.evaluate(`(async () => { const t0 = performance.now();
        const r = await fetch('${API_PREFIX}/alarms?status=active&limit=1000', { headers: { Authorization: 'Bearer ${staff}' }, cache: 'no-store' });
        await r.json(); return performance.now() - t0; })()`) as number;
      if (run === 0) continue; // warm-up: the bundle is built on the first request
      firstRenders.push(rendered);
      fetches.push(fetched);
    }

    // Updates: each change repeats one open alarm (its count goes up). The page notes when the row
    // shows the new count; a bare SSE reader in the same page notes when the change arrived.
    await page.evaluate(`(() => {
      window.__rendered = new Map(); window.__arrived = new Map();
      new MutationObserver((records) => {
        const now = Date.now();
        for (const r of records) {
          const td = (r.target.nodeType === 3 ? r.target.parentElement : r.target)?.closest?.('td.count');
          if (!td) continue;
          const key = td.parentElement.dataset.alarmId + '#' + td.textContent;
          if (!window.__rendered.has(key)) window.__rendered.set(key, now);
        }
      }).observe(document.querySelector('#alarms tbody'), { childList: true, subtree: true, characterData: true });
      fetch('${API_PREFIX}/stream', { headers: { Authorization: 'Bearer ${staff}', Accept: 'text/event-stream', 'Last-Event-ID': '0' } }).then(async (r) => {
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader(); let buf = '';
        for (;;) { const { value, done } = await reader.read(); if (done) return; buf += value; let end;
          while ((end = buf.indexOf('\\n\\n')) >= 0) { const block = buf.slice(0, end); buf = buf.slice(end + 2);
            const data = block.split('\\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\\n');
            if (data) { const c = JSON.parse(data); const key = c.alarm.id + '#' + c.alarm.count; if (!window.__arrived.has(key)) window.__arrived.set(key, Date.now()); } } }
      });
    })()`);
    const list = await (await fetch(`${server.url}${API_PREFIX}/alarms?status=active&limit=1000`, { headers: { authorization: `Bearer ${staff}` } })).json() as { alarms: Array<{ id: string; subject: string; count: number }> };
    const bySubject = new Map(list.alarms.map((a) => [a.subject, a]));
    const sent = new Map<string, number>();
    const total = RATE * SECONDS;
    const started = Date.now();
    for (let i = 0; i < total; i += 1) {
      const n = (i * 7) % OPEN;
      const alarm = bySubject.get(`device:btn-${n}`)!;
      alarm.count += 1;
      sent.set(`${alarm.id}#${alarm.count}`, Date.now());
      await ingest([eventFor(n)]);
      const due = started + ((i + 1) * 1000) / RATE;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    const elapsed = (Date.now() - started) / 1000;
    await until(page, `window.__rendered.size >= ${Math.floor(total * 0.99)}`, 30_000).catch(() => undefined); // the missing are reported
    const rendered = new Map(await page.evaluate('[...window.__rendered]') as Array<[string, number]>);
    const arrived = new Map(await page.evaluate('[...window.__arrived]') as Array<[string, number]>);
    const update: number[] = [];
    const arrival: number[] = [];
    for (const [key, at] of sent) {
      const r = rendered.get(key);
      const a = arrived.get(key);
      if (r !== undefined) update.push(r - at);
      if (a !== undefined) arrival.push(a - at);
    }
    return {
      openAlarms: OPEN,
      firstRenderMs: round(median(firstRenders), 0),
      listFetchMs: round(median(fetches), 0),
      changes: update.length,
      changesPerSec: round(total / elapsed, 1),
      updateP50Ms: round(percentile(update, 50), 1),
      updateP95Ms: round(percentile(update, 95), 1),
      arrivalP50Ms: round(percentile(arrival, 50), 1),
      arrivalP95Ms: round(percentile(arrival, 95), 1),
    };
  } finally {
    await context.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Polls an expression in the page with evaluate (CDP, which the page's CSP does not govern;
 * waitForFunction evaluates a string with eval, which `default-src 'self'` forbids).
 */
async function until(page: Page, expression: string, timeoutMs: number, what = expression): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
