import type { SiteFileInput } from '../../contract/index.ts';
import { pathOf } from './registry-fixture.ts';
import type { District } from './registry-fixture.ts';

/**
 * A small care home for coverage tests: two bedrooms, a kitchen and a corridor on one floor.
 * Bedroom 201 has a smoke detector and a sprinkler flow switch; bedroom 202 a smoke detector and
 * no sprinkler (a gap from the start); the kitchen a heat detector; the corridor a smoke detector.
 * Required (defaults): 201 smoke + sprinkler, 202 smoke + sprinkler, kitchen heat, corridor smoke = 6.
 */
export function careHomeDocument(siteId: string, district: District, edit?: (file: SiteFileInput) => void): SiteFileInput {
  const mqtt = (id: string, profile: string, roomId: string) => ({ id, profile, roomId, transport: 'mqtt' as const, mqttUsername: `${siteId}.${id}` });
  const file: SiteFileInput = {
    site: { id: siteId, name: `颐养院 ${siteId}`, kind: 'institution', timezone: 'Asia/Shanghai', region: pathOf(district) },
    buildings: [{
      id: 'main', name: '主楼', floors: [{
        id: 'f2', name: '二层', level: 2, rooms: [
          { id: 'r201', name: '201', type: 'bedroom' },
          { id: 'r202', name: '202', type: 'bedroom' },
          { id: 'kitchen', name: '厨房', type: 'kitchen' },
          { id: 'corridor', name: '二层走廊', type: 'corridor' },
          { id: 'office', name: '护士站', type: 'office' },
        ],
      }],
    }],
    residents: [{ id: 'res-201', name: '王奶奶', roomId: 'r201' }],
    devices: [
      mqtt('sd-201', 'smoke-detector', 'r201'),
      mqtt('fs-201', 'sprinkler-flow-switch', 'r201'),
      mqtt('sd-202', 'smoke-detector', 'r202'),
      mqtt('hd-k', 'heat-detector', 'kitchen'),
      mqtt('sd-c', 'smoke-detector', 'corridor'),
      { ...mqtt('bed-201', 'bed-sensor', 'r201'), residentId: 'res-201' },
    ],
  };
  edit?.(file);
  return file;
}
