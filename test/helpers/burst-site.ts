import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteFileInput } from '../../contract/index.ts';

/**
 * One care home with `leakSensors` native MQTT water-leak sensors (their alarms ride the alarm
 * lane) and `smokeDetectors` smoke detectors (life-safety lane): the delivery tests' burst site.
 * Written as JSON into `dir`; returns the file.
 */
export function writeBurstSite(dir: string, siteId: string, leakSensors: number, smokeDetectors: number): string {
  const pad = (i: number) => String(i).padStart(3, '0');
  const file: SiteFileInput = {
    site: { id: siteId, name: '压力测试养老院', kind: 'institution', timezone: 'Asia/Shanghai', region: { city: '杭州市', district: '西湖区', street: '北山街道', community: '宝石社区' } },
    buildings: [{
      id: 'main', name: '主楼',
      floors: [{ id: 'f1', name: '1楼', level: 1, rooms: [
        { id: 'wash', name: '洗衣房', type: 'bathroom' },
        { id: 'kitchen', name: '厨房', type: 'kitchen' },
      ] }],
    }],
    devices: [
      ...Array.from({ length: leakSensors }, (_, i) => ({ id: `leak-${pad(i + 1)}`, profile: 'water-leak-sensor', roomId: 'wash', transport: 'mqtt' as const })),
      ...Array.from({ length: smokeDetectors }, (_, i) => ({ id: `smoke-${pad(i + 1)}`, profile: 'smoke-detector', roomId: 'kitchen', transport: 'mqtt' as const })),
    ],
  };
  const path = join(dir, `${siteId}.json`);
  writeFileSync(path, JSON.stringify(file, null, 2));
  return path;
}
