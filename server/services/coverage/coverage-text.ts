import type { CoverageKind, GapReason, RoomType } from '../../../contract/index.ts';

export type Lang = 'zh' | 'en';

/** Words of the coverage report in Simplified Chinese (the default) and English. */
export const TEXT = {
  zh: {
    title: '消防设施覆盖检查报告', site: '场所', at: '检查时刻', generated: '生成时间', percent: '覆盖率',
    required: '应设', covered: '已覆盖', gaps: '缺口', noGaps: '无缺口',
    building: '建筑', floor: '楼层', room: '房间', roomType: '房间类型', kind: '应设设备', status: '状态', reasons: '原因',
    devices: '设备', online: '在线', battery: '电量', lastSeen: '最后上报', lastSelfTest: '最后自检', daysSinceTest: '距自检天数',
    yes: '是', no: '否', ok: '已覆盖', gap: '缺口',
    unregistered: '未登记但有信号的设备', neverSeen: '已登记但从未上报的设备', none: '无',
    signature: '检查人签字', unit: '检查单位', date: '日期', zone: '时区',
  },
  en: {
    title: 'Fire protection coverage audit', site: 'Site', at: 'Audited at', generated: 'Generated', percent: 'Coverage',
    required: 'Required', covered: 'Covered', gaps: 'Gaps', noGaps: 'No gaps',
    building: 'Building', floor: 'Floor', room: 'Room', roomType: 'Room type', kind: 'Required device', status: 'Status', reasons: 'Reasons',
    devices: 'Devices', online: 'Online', battery: 'Battery', lastSeen: 'Last report', lastSelfTest: 'Last self-test', daysSinceTest: 'Days since test',
    yes: 'yes', no: 'no', ok: 'covered', gap: 'gap',
    unregistered: 'Devices heard but not registered', neverSeen: 'Registered devices never heard', none: 'none',
    signature: 'Inspector signature', unit: 'Inspecting unit', date: 'Date', zone: 'Time zone',
  },
} as const;

export const KIND_TEXT: Record<Lang, Record<CoverageKind, string>> = {
  zh: { smoke_detector: '独立式感烟探测器', heat_detector: '感温探测器', sprinkler: '简易喷淋' },
  en: { smoke_detector: 'smoke detector', heat_detector: 'heat detector', sprinkler: 'sprinkler' },
};

export const REASON_TEXT: Record<Lang, Record<GapReason, string>> = {
  zh: {
    missing: '未安装', never_seen: '从未上报', offline: '离线', battery_low: '电量低', tamper: '被拆动', fault: '故障',
    never_tested: '从未自检', not_tested_recently: '超过期限未自检',
  },
  en: {
    missing: 'missing', never_seen: 'never heard', offline: 'offline', battery_low: 'battery low', tamper: 'tampered', fault: 'fault',
    never_tested: 'never tested', not_tested_recently: 'not tested within the period',
  },
};

export const ROOM_TEXT: Record<Lang, Record<RoomType, string>> = {
  zh: { bedroom: '卧室', activity: '活动室', corridor: '走廊', kitchen: '厨房', bathroom: '卫生间', office: '办公室', living: '起居室', entrance: '门厅' },
  en: { bedroom: 'bedroom', activity: 'activity room', corridor: 'corridor', kitchen: 'kitchen', bathroom: 'bathroom', office: 'office', living: 'living room', entrance: 'entrance' },
};

/** `YYYY-MM-DD HH:mm` on the site's wall clock (STYLE: times in the site's time zone). */
export function siteTime(iso: string | null, timeZone: string): string {
  if (iso === null) return '';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
