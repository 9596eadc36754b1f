// CareWatch alarm console: one page, no build step. Reads the alarm list, then follows the SSE
// stream with fetch() + ReadableStream (EventSource cannot send an Authorization header), resumes
// with Last-Event-ID after any drop, and says plainly when live updates have stopped.

const API = '/api/v1';
const TOKEN_KEY = 'carewatch.token';
/** The server sends a comment every 15 s; twice that in silence means the link is dead. */
const STREAM_SILENCE_MS = 35_000;

const KIND_LABELS = {
  'fire.smoke': '烟雾报警', 'fire.heat': '温度报警', 'fire.water_flow': '水流报警', 'fire.confirmed': '确认火警',
  'fire.test': '消防测试', 'call.button': '紧急呼叫', 'wearable.sos': 'SOS 求救', 'wearable.fall': '跌倒（手表）',
  'vital.heart_rate': '心率异常', 'vital.spo2': '血氧异常', 'wearable.not_worn': '手表未佩戴',
  'wearable.geofence_exit': '离开安全区', 'fall.detected': '跌倒（雷达）', 'inactivity.no_activity': '长时间无活动',
  'inactivity.bed_exit': '离床未归', 'water.leak': '漏水', 'device.offline': '设备离线', 'device.battery_low': '电量低',
  'device.tamper': '设备被拆', 'device.fault': '设备故障', 'device.untested': '设备未测试', 'gateway.offline': '网关离线',
};
const SEVERITY_LABELS = { critical: '紧急', major: '重要', minor: '次要', warning: '提示', info: '信息' };
const STATUS_LABELS = {
  active_unack: '报警中·未确认', active_ack: '报警中·已确认', cleared_unack: '已恢复·未确认',
  cleared_ack: '已恢复·已确认', resolved: '已关闭',
};

const $ = (selector) => document.querySelector(selector);
const state = { token: null, alarms: new Map(), resolved: new Set(), lastEventId: null, stream: null, retryMs: 1000, generation: 0 };

function readToken() {
  // `#token=...` lets the demo print a ready link; it is moved to sessionStorage and out of the URL.
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function api(path, init = {}) {
  return fetch(API + path, {
    ...init,
    cache: 'no-store',
    headers: { ...(init.headers || {}), Authorization: `Bearer ${state.token}` },
  });
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.message || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

function showMessage(text) {
  const box = $('#message');
  box.textContent = text || '';
  box.hidden = !text;
}

function setLive(live) {
  $('#stream-banner').hidden = live;
  document.body.dataset.stream = live ? 'live' : 'down';
}

function signOut(reason) {
  state.generation += 1;
  state.stream?.abort();
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.alarms.clear();
  $('#board').hidden = true;
  $('#logout').hidden = true;
  $('#stream-banner').hidden = true;
  $('#login').hidden = false;
  showMessage(reason);
}

/** Loads the open alarms and then follows the stream from exactly the change the list is current to. */
async function start() {
  const generation = ++state.generation;
  state.stream?.abort();
  $('#login').hidden = true;
  $('#logout').hidden = false;
  const response = await api('/alarms?status=active&limit=1000').catch(() => null);
  if (generation !== state.generation) return;
  if (!response) {
    setLive(false);
    setTimeout(() => generation === state.generation && start(), state.retryMs);
    return;
  }
  if (response.status === 401) return signOut(`令牌无效 Token refused: ${await errorText(response)}`);
  if (!response.ok) return showMessage(await errorText(response));
  const body = await response.json();
  state.alarms = new Map(body.alarms.map((alarm) => [alarm.id, alarm]));
  state.lastEventId = body.lastChangeId;
  $('#board').hidden = false;
  showMessage('');
  render();
  follow(generation);
}

async function follow(generation) {
  const controller = new AbortController();
  state.stream = controller;
  let silence;
  const feed = () => {
    clearTimeout(silence);
    silence = setTimeout(() => controller.abort(), STREAM_SILENCE_MS);
  };
  try {
    const headers = { Accept: 'text/event-stream' };
    if (state.lastEventId !== null) headers['Last-Event-ID'] = String(state.lastEventId);
    const response = await api('/stream', { headers, signal: controller.signal });
    if (response.status === 401) return signOut(`令牌无效 Token refused: ${await errorText(response)}`);
    if (!response.ok || !response.body) throw new Error(await errorText(response));
    setLive(true);
    state.retryMs = 1000;
    feed();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      feed();
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (onMessage(parseBlock(block), generation) === 'restart') return;
      }
    }
  } catch {
    // Dropped, refused or silent: fall through to the reconnect below.
  } finally {
    clearTimeout(silence);
  }
  if (generation !== state.generation) return;
  setLive(false);
  setTimeout(() => generation === state.generation && follow(generation), state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, 15_000);
}

/** One SSE event block (WHATWG HTML § 9.2.6): `id`, `event` and `data` fields; `:` lines are comments. */
function parseBlock(block) {
  const message = { id: null, event: 'message', data: [] };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') message.id = value;
    else if (field === 'event') message.event = value;
    else if (field === 'data') message.data.push(value);
  }
  return message;
}

function onMessage(message, generation) {
  if (message.event === 'reset') {
    // Too far behind to replay: reload the list, which names the change id to follow from.
    start();
    return 'restart';
  }
  if (message.data.length === 0 || generation !== state.generation) return;
  const change = JSON.parse(message.data.join('\n'));
  if (message.id !== null) state.lastEventId = Number(message.id);
  applyAlarm(change.alarm);
}

function applyAlarm(alarm) {
  // The ack answer and the stream both carry the alarm; never let the older of the two win.
  const known = state.alarms.get(alarm.id);
  if (known && known.updatedAt > alarm.updatedAt) return;
  if (state.resolved.has(alarm.id)) return;
  if (alarm.status === 'resolved') {
    state.resolved.add(alarm.id);
    state.alarms.delete(alarm.id);
  } else {
    state.alarms.set(alarm.id, alarm);
  }
  render();
}

async function act(alarm, action, body) {
  const response = await api(`/alarms/${encodeURIComponent(alarm.id)}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  }).catch(() => null);
  if (!response) return showMessage('网络错误 Network error; please retry');
  if (!response.ok) return showMessage(await errorText(response));
  showMessage('');
  applyAlarm(await response.json());
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function render() {
  const tbody = $('#alarms tbody');
  const alarms = [...state.alarms.values()].sort((a, b) => (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : 0));
  const unacked = alarms.filter((a) => a.status.endsWith('_unack')).length;
  const rows = alarms.map((alarm) => {
    const tr = document.createElement('tr');
    tr.dataset.alarmId = alarm.id;
    tr.className = `sev-${alarm.severity}${alarm.status.endsWith('_unack') ? ' unacked' : ''}`;
    tr.append(cell(SEVERITY_LABELS[alarm.severity] || alarm.severity, 'severity'));
    const kind = cell(KIND_LABELS[alarm.kind] || alarm.kind, 'kind');
    const code = document.createElement('span');
    code.className = 'kind-code';
    code.textContent = alarm.kind;
    kind.append(code);
    tr.append(kind);
    tr.append(cell([alarm.siteId, alarm.roomId].filter(Boolean).join(' / ')));
    tr.append(cell(alarm.residentId || '—'));
    const status = cell(STATUS_LABELS[alarm.status] || alarm.status, 'status');
    status.dataset.status = alarm.status;
    tr.append(status);
    tr.append(cell(String(alarm.count), 'count'));
    tr.append(cell(new Date(alarm.raisedAt).toLocaleString('zh-CN', { hour12: false })));
    const actions = document.createElement('td');
    if (alarm.status.endsWith('_unack')) {
      actions.append(button('确认 Ack', 'ack', () => act(alarm, 'ack', {})));
    }
    actions.append(button('关闭 Resolve', 'resolve', () => {
      // Outcome codes of contract `Outcome`; a critical alarm needs a note too (the server says so if missing).
      const outcome = prompt('处理结果 Outcome: false_alarm / resident_helped / ambulance_called / fire_brigade_called / device_fault / other', 'resident_helped');
      if (!outcome || !outcome.trim()) return;
      const note = prompt('处理说明 Resolution note');
      act(alarm, 'resolve', note && note.trim() ? { outcome: outcome.trim(), note: note.trim() } : { outcome: outcome.trim() });
    }));
    tr.append(actions);
    return tr;
  });
  tbody.replaceChildren(...rows);
  $('#empty').hidden = alarms.length > 0;
  $('#alarm-count').textContent = `(${alarms.length})`;
  document.title = `${unacked ? `(${unacked}) ` : ''}CareWatch 值班台`;
}

function button(label, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

$('#login').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('#token-input').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  $('#token-input').value = '';
  start();
});
$('#logout').addEventListener('click', () => signOut(''));

state.token = readToken();
if (state.token) start();
else $('#login').hidden = false;
