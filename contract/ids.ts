import { z } from 'zod';

// Ids become MQTT topic levels and URL path segments, so they may hold none of
// MQTT's separators or wildcards ([MQTT-4.7.1-1] '/', '+', '#') and nothing a URL must escape.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ID_MESSAGE = 'must be 1-64 letters, digits, "_", "-" or "." and start with a letter or digit';

export const Id = z.string().regex(ID_PATTERN, ID_MESSAGE);
export const SiteId = Id.describe('site id');
export const DeviceId = Id.describe('device id');
export const ResidentId = Id.describe('resident id');
export const RoomId = Id.describe('room id');

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}
