// The gateway's local alarm page in the browser (issue 15): no framework; the consoles' tones and
// words (consoles/lib, browser code with no server import) and the project's one SSE parser.
// The stream is read with fetch(): the HttpOnly cookie rides along, and a 401 means "sign in".
import { LocalAlarmSnapshot } from '../../../contract/local-alarms.ts';
import type { LocalAlarm } from '../../../contract/local-alarms.ts';
import { SseParser } from '../../../contract/sse.ts';
import { kindLabel, lang, setLang, severityLabel } from '../../../consoles/lib/i18n.ts';
import { siteTime } from '../../../consoles/lib/time.ts';
import { holdCriticalTone, playTone, soundReady, unlockSound } from '../../../consoles/lib/tones.ts';

const WORDS = {
  title: ['CareWatch 网关本地报警', 'CareWatch gateway: local alarms'],
  signInLead: ['请输入值班令牌（网关数据目录中的 gateway-staff-token 文件）', 'Enter the staff token (the file gateway-staff-token in the gateway\'s data folder)'],
  token: ['值班令牌', 'Staff token'],
  signIn: ['登录', 'Sign in'],
  wrong: ['令牌错误，请重试', 'Wrong token, try again'],
  none: ['当前没有未消除的生命安全报警', 'No active life-safety alarms'],
  unreachable: ['服务器自 {t} 起无法连接。报警只在本页显示，服务器和呼叫中心看不到。', 'Server unreachable since {t}. Alarms are shown on this page only; the server and the call centre cannot see them.'],
  pageDown: ['与网关的连接中断，正在重连…', 'Lost the connection to the gateway; reconnecting…'],
  enableSound: ['开启声音', 'Enable sound'],
  silenceAll: ['全部本地消音', 'Silence all here'],
  silence: ['本地消音', 'Silence here'],
  silenced: ['已在本地消音（服务器未确认）', 'Silenced here (not acknowledged on the server)'],
  localNote: ['“本地消音”只停止本页和本地警报器的声音，不是服务器上的确认；服务器恢复后仍需在值班台确认。', '"Silence here" only stops this page\'s tone and the local sounders. It is not an acknowledgement on the server: acknowledge on the console once the server is back.'],
  sounders: ['本地警报器已启动：', 'Local sounders set off: '],
  kind: ['报警', 'Alarm'], severity: ['级别', 'Severity'], site: ['地点', 'Site'], where: ['位置', 'Where'],
  raised: ['发生时间', 'Raised'], count: ['次数', 'Count'], state: ['本地状态', 'Here'],
  fire: ['火警', 'fire'], emergency: ['紧急', 'emergency'],
  other: ['English', '中文'],
} as const;
type Word = keyof typeof WORDS;
const w = (word: Word): string => WORDS[word][lang() === 'zh' ? 0 : 1];

const app = document.getElementById('app')!;
let snap: LocalAlarmSnapshot | undefined;
let streamUp = false;
let known = new Set<string>();
let wrongToken = false;
let signedIn = false;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...kids);
  return e;
}

function button(id: string, label: string, onClick: () => void, cls = ''): HTMLButtonElement {
  const b = el('button', { id, type: 'button', ...(cls ? { class: cls } : {}) }, label);
  b.onclick = onClick;
  return b;
}

function header(): HTMLElement {
  const parts: Node[] = [el('h1', {}, w('title'))];
  if (signedIn && !soundReady()) parts.push(button('sound', w('enableSound'), () => void unlockSound().then(render)));
  if (signedIn && snap?.alarms.some((a) => a.silencedAt === null)) parts.push(button('silence-all', w('silenceAll'), () => void silence({ all: true })));
  parts.push(button('lang', w('other'), () => { setLang(lang() === 'zh' ? 'en' : 'zh'); render(); }));
  return el('header', {}, ...parts);
}

function row(a: LocalAlarm): HTMLTableRowElement {
  const state = a.silencedAt !== null
    ? el('span', { class: 'silenced' }, w('silenced'))
    : button(`silence-${a.key}`, w('silence'), () => void silence({ key: a.key }), 'silence');
  return el('tr', { class: `${a.severity}${a.silencedAt === null ? ' unsilenced' : ''}`, 'data-key': a.key, 'data-kind': a.kind },
    el('td', {}, severityLabel(a.severity)), el('td', {}, kindLabel(a.kind)), el('td', {}, a.siteName),
    el('td', {}, a.room ?? a.deviceId ?? a.subject), el('td', {}, siteTime(a.raisedAt, a.timezone)),
    el('td', {}, String(a.count)), el('td', {}, state));
}

function render(): void {
  if (!signedIn) return signInForm();
  const parts: Node[] = [header()];
  if (!streamUp) parts.push(el('p', { id: 'page-down', role: 'status' }, w('pageDown')));
  if (snap && snap.unreachableSince !== null) {
    parts.push(el('p', { id: 'banner', role: 'alert' }, w('unreachable').replace('{t}', siteTime(snap.unreachableSince, snap.timezone))));
  }
  const sounding = snap?.sounders.filter((s) => s.sounding) ?? [];
  if (sounding.length > 0) parts.push(el('p', { id: 'sounders', role: 'status' }, w('sounders') + sounding.map((s) => `${s.name} (${s.mode === 'fire' ? w('fire') : w('emergency')})`).join('，')));
  const main = el('main');
  const alarms = snap?.alarms ?? [];
  if (alarms.length === 0) main.append(el('p', { id: 'none' }, w('none')));
  else {
    const head = el('tr', {}, ...(['severity', 'kind', 'site', 'where', 'raised', 'count', 'state'] as const).map((k) => el('th', {}, w(k))));
    main.append(el('p', { id: 'local-note' }, w('localNote')), el('table', { id: 'alarms' }, el('thead', {}, head), el('tbody', {}, ...alarms.map(row))));
  }
  parts.push(main);
  app.replaceChildren(...parts);
}

function signInForm(): void {
  const input = el('input', { id: 'token', type: 'password', autocomplete: 'current-password', 'aria-label': w('token') });
  const form = el('form', { id: 'sign-in' }, el('p', {}, w('signInLead')), input, el('button', { type: 'submit' }, w('signIn')),
    ...(wrongToken ? [el('p', { role: 'alert', id: 'wrong' }, w('wrong'))] : []));
  form.onsubmit = (ev) => {
    ev.preventDefault();
    void unlockSound(); // the click is the user gesture browsers ask before a page may sound
    void fetch('/alarms/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: input.value }) })
      .then((res) => {
        wrongToken = !res.ok;
        if (res.ok) void connect();
        else signInForm();
      });
  };
  app.replaceChildren(header(), form);
  input.focus();
}

async function silence(body: { key: string } | { all: true }): Promise<void> {
  await fetch('/local/alarms/silence', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Sound: a new alarm's burst once; the critical burst repeats while an unsilenced critical alarm is active. */
function sound(next: LocalAlarmSnapshot): void {
  const loud = next.alarms.filter((a) => a.silencedAt === null);
  for (const a of loud) if (!known.has(a.key) && a.severity !== 'critical') playTone(a.severity);
  known = new Set(next.alarms.map((a) => a.key));
  holdCriticalTone(() => snap?.alarms.some((a) => a.silencedAt === null && a.severity === 'critical') ?? false);
}

async function connect(): Promise<void> {
  const res = await fetch('/local/stream', { credentials: 'same-origin' }).catch(() => undefined);
  if (res?.status === 401) {
    signedIn = false;
    streamUp = false;
    return render();
  }
  if (!res?.ok || !res.body) return retry();
  signedIn = true;
  streamUp = true;
  render();
  const parser = new SseParser();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
    if (done) break;
    for (const m of parser.push(value ?? '')) {
      if (m.event !== 'snapshot') continue;
      const next = LocalAlarmSnapshot.parse(JSON.parse(m.data));
      snap = next;
      sound(next);
      render();
    }
  }
  retry();
}

function retry(): void {
  streamUp = false;
  render();
  setTimeout(() => void connect(), 2000);
}

signedIn = true; // optimistic: the stream's answer says whether the cookie is still good
void connect();
