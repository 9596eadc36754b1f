// The consoles' words, Simplified Chinese first (the users' language), English selectable. One
// table per language; a missing English word falls back to Chinese, never to a raw key.
import type { AlarmStatus, EventKind, Severity } from '../../contract/index.ts';

export type Lang = 'zh' | 'en';
const LANG_KEY = 'carewatch.lang';

const KINDS: Record<EventKind, [string, string]> = {
  'fire.smoke': ['烟雾报警', 'Smoke'],
  'fire.heat': ['温度报警', 'Heat'],
  'fire.water_flow': ['水流报警', 'Water flow'],
  'fire.confirmed': ['确认火警', 'Confirmed fire'],
  'fire.test': ['消防测试', 'Fire test'],
  'call.button': ['紧急呼叫', 'Call button'],
  'wearable.sos': ['SOS 求救', 'SOS'],
  'wearable.fall': ['跌倒（手表）', 'Fall (watch)'],
  'vital.heart_rate': ['心率异常', 'Heart rate'],
  'vital.spo2': ['血氧异常', 'SpO₂'],
  'wearable.not_worn': ['手表未佩戴', 'Watch not worn'],
  'wearable.geofence_exit': ['离开安全区', 'Left safe area'],
  'fall.detected': ['跌倒（雷达）', 'Fall (radar)'],
  'inactivity.no_activity': ['长时间无活动', 'No activity'],
  'inactivity.bed_exit': ['离床未归', 'Bed exit'],
  'inactivity.not_back': ['未按时返回', 'Not back'],
  'water.leak': ['漏水', 'Water leak'],
  'device.offline': ['设备离线', 'Device offline'],
  'device.battery_low': ['电量低', 'Battery low'],
  'device.tamper': ['设备被拆', 'Tamper'],
  'device.fault': ['设备故障', 'Device fault'],
  'device.untested': ['设备未测试', 'Not tested'],
  'device.unregistered': ['未登记设备', 'Unregistered device'],
  'gateway.offline': ['网关离线', 'Gateway offline'],
  'gateway.trouble': ['网关故障', 'Gateway trouble'],
  'link.receiver_down': ['上传链路中断', 'Receiver link down'],
};

const SEVERITIES: Record<Severity, [string, string]> = {
  critical: ['紧急', 'Critical'], major: ['重要', 'Major'], minor: ['次要', 'Minor'], warning: ['提示', 'Warning'], info: ['信息', 'Info'],
};

const STATUSES: Record<AlarmStatus, [string, string]> = {
  active_unack: ['报警中·未确认', 'Active, unacknowledged'],
  active_ack: ['报警中·已确认', 'Active, acknowledged'],
  cleared_unack: ['已恢复·未确认', 'Cleared, unacknowledged'],
  cleared_ack: ['已恢复·已确认', 'Cleared, acknowledged'],
  resolved: ['已关闭', 'Resolved'],
};

const WORDS = {
  staffTitle: ['CareWatch 值班台', 'CareWatch night console'],
  callTitle: ['CareWatch 呼叫中心', 'CareWatch call centre'],
  fireTitle: ['CareWatch 消防巡查', 'CareWatch fire department'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出', 'Sign out'],
  user: ['用户名', 'User name'],
  password: ['密码', 'Password'],
  token: ['访问令牌', 'Access token'],
  useToken: ['使用访问令牌', 'Use an access token'],
  usePassword: ['使用密码', 'Use a password'],
  openAlarms: ['未关闭的报警', 'Open alarms'],
  noAlarms: ['当前没有报警', 'No open alarms'],
  streamDown: ['实时连接中断，正在重连… 期间的报警将在恢复后补齐', 'Live updates stopped — reconnecting; nothing raised meanwhile will be missed'],
  streamDownSince: ['中断于', 'down since'],
  clockOff: ['本机时钟与服务器相差', 'This computer\'s clock differs from the server\'s by'],
  seconds: ['秒', 's'],
  gatewayOffline: ['网关离线：该场所的设备报警无法送达', 'Gateway offline: alarms from this site cannot reach us'],
  severity: ['级别', 'Severity'],
  kind: ['类型', 'Kind'],
  where: ['位置', 'Where'],
  resident: ['住户', 'Resident'],
  device: ['设备', 'Device'],
  status: ['状态', 'Status'],
  count: ['次数', 'Count'],
  raised: ['报警时间', 'Raised'],
  age: ['已过', 'Age'],
  actions: ['操作', 'Actions'],
  ack: ['确认', 'Acknowledge'],
  attend: ['到场', 'Attending'],
  assign: ['指派', 'Assign'],
  comment: ['备注', 'Comment'],
  resolve: ['关闭', 'Resolve'],
  outcome: ['处理结果', 'Outcome'],
  note: ['处理说明', 'Note'],
  cancel: ['取消', 'Cancel'],
  save: ['保存', 'Save'],
  noteRequired: ['紧急报警必须填写处理说明', 'A note is required for a critical alarm'],
  floorView: ['楼层平面', 'Floor view'],
  deviceTrouble: ['设备故障列表', 'Device trouble'],
  noTrouble: ['没有设备故障', 'No device trouble'],
  timeline: ['住户时间线', 'Resident timeline'],
  card: ['住户卡片', 'Resident card'],
  careNotes: ['护理要点', 'Care notes'],
  contacts: ['紧急联系人', 'Emergency contacts'],
  close: ['关闭窗口', 'Close'],
  language: ['English', '中文'],
  networkError: ['网络错误，请重试', 'Network error; please retry'],
  tokenRefused: ['登录已失效，请重新登录', 'Signed out: please sign in again'],
  soundOn: ['声音已开启', 'Sound on'],
  soundOff: ['点击开启声音', 'Click to enable sound'],
  escalated: ['已升级', 'Escalated'],
  overdue: ['超时未确认', 'Overdue'],
  queue: ['待处理队列', 'Queue'],
  ackWithin60: ['60 秒内确认率', 'Acknowledged within 60 s'],
  today: ['今天', 'Today'],
  last7Days: ['近 7 天', 'Last 7 days'],
  timeToAck: ['确认用时', 'Time to acknowledge'],
  sites: ['场所', 'Sites'],
  coverage: ['设防覆盖', 'Coverage'],
  report: ['打印报告', 'Printable report'],
  gaps: ['缺口', 'Gaps'],
  regionRollup: ['区域汇总', 'Region roll-up'],
  shortcuts: ['快捷键：A 确认 · T 到场 · R 关闭 · ↑↓ 选择', 'Keys: A acknowledge · T attending · R resolve · ↑↓ select'],
  unavailable: ['服务器暂不提供此功能', 'Not available on this server yet'],
  online: ['在线', 'Online'],
  offline: ['离线', 'Offline'],
  batteryLow: ['电量低', 'Battery low'],
  inAlarm: ['报警', 'Alarm'],
} satisfies Record<string, [string, string]>;

export type Word = keyof typeof WORDS;

let current: Lang = initialLang();

function initialLang(): Lang {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked === 'en' || asked === 'zh') return asked;
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

const pick = (pair: [string, string]): string => (current === 'zh' ? pair[0] : pair[1] || pair[0]);

export const t = (word: Word): string => pick(WORDS[word] as [string, string]);
export const kindLabel = (kind: string): string => (kind in KINDS ? pick(KINDS[kind as EventKind]) : kind);
export const severityLabel = (s: string): string => (s in SEVERITIES ? pick(SEVERITIES[s as Severity]) : s);
export const statusLabel = (s: string): string => (s in STATUSES ? pick(STATUSES[s as AlarmStatus]) : s);

document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
