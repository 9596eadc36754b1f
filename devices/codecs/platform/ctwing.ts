import { accept, reject, type Decoded } from '../../decoded.ts';
import { applyFieldMap, DEFAULT_PLATFORM_FIELDS, type FieldMap } from './field-map.ts';
import { describe, isObject, own } from './json-body.ts';
import { stableMessageId } from './message-id.ts';
import { verifySharedToken } from './shared-token.ts';
import type { PlatformMapping, PlatformMessage } from './types.ts';

/**
 * China Telecom CTWing (AIoT) subscription push (官方文档 https://www.ctwing.cn/dyts/103): one JSON
 * message per POST, `messageType` one of
 * - `dataReport`: `payload` is the service data (`{serviceId, serviceData}` for LwM2M profiles, a
 *   flat object for TCP/MQTT ones, or `{APPdata: base64}` for transparent products);
 * - `eventReport`: `eventContent` (+ `eventType` 1 info, 2 warning, 3 fault, `serviceId`);
 * - `deviceOnlineOfflineReport`: `eventType` 1 online, 0 offline;
 * - `commandResponse`: our own command's receipt, nothing to report.
 * CTWing does not sign pushes (no signature field in its published format), so the push URL
 * carries a shared token instead (see shared-token.ts).
 */
export interface CtwingProduct {
  /** Service data name → field; merged over the defaults. */
  fields?: FieldMap;
  /** Transparent products: the decoded `APPdata` bytes → service data (pure function). */
  decodeAppData?: (bytes: Buffer) => Record<string, unknown> | undefined;
}

export interface CtwingOptions {
  /** Per CTWing `productId`: field names differ per detector model. */
  products?: Readonly<Record<string, CtwingProduct>>;
  /** Fields for products not listed; default: contract names + common detector names. */
  defaultFields?: FieldMap;
  name?: string;
}

export function createCtwingMapping(opts: CtwingOptions = {}): PlatformMapping {
  const name = opts.name ?? 'ctwing';
  const defaults = opts.defaultFields ?? DEFAULT_PLATFORM_FIELDS;
  return {
    name,
    verify: (req, secret) => verifySharedToken(req, secret),
    decode(body) {
      if (!isObject(body)) return reject('schema', `CTWing push must be a JSON object, got ${describe(body)}`);
      const messageType = own(body, 'messageType');
      if (typeof messageType !== 'string') return reject('schema', `messageType must be a string, got ${describe(messageType)}`);
      const deviceId = own(body, 'deviceId');
      if (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > 128) return reject('schema', `deviceId must be a 1-128 character string, got ${describe(deviceId)}`);
      const ts = own(body, 'timestamp');
      if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) return reject('schema', `timestamp must be epoch ms, got ${describe(ts)}`);
      const productId = own(body, 'productId');
      const product = typeof productId === 'string' || typeof productId === 'number' ? productOf(opts.products, String(productId)) : undefined;
      const fieldMap = product?.fields ? { ...defaults, ...product.fields } : defaults;
      const base = { platformDeviceId: deviceId, ts, raw: body };
      const id = (payload: unknown): string => stableMessageId(name, deviceId, ts, { messageType, payload });

      switch (messageType) {
        case 'dataReport': {
          const payload = own(body, 'payload');
          if (!isObject(payload)) return reject('schema', `dataReport.payload must be an object, got ${describe(payload)}`);
          const source = serviceData(payload, product);
          if (typeof source === 'string') return reject('schema', `dataReport.payload: ${source}`);
          return accept([message({ ...base, messageId: id(payload), kind: 'data' }, source, fieldMap)]);
        }
        case 'eventReport': {
          const content = own(body, 'eventContent');
          if (!isObject(content)) return reject('schema', `eventReport.eventContent must be an object, got ${describe(content)}`);
          return accept([message({ ...base, messageId: id(content), kind: 'event' }, content, fieldMap)]);
        }
        case 'deviceOnlineOfflineReport': {
          const eventType = own(body, 'eventType');
          if (eventType !== 0 && eventType !== 1) return reject('schema', `deviceOnlineOfflineReport.eventType must be 0 or 1, got ${describe(eventType)}`);
          return accept([{ ...base, messageId: id(eventType), kind: 'availability', fields: {}, online: eventType === 1 }]);
        }
        case 'commandResponse':
          return accept([]);
        default:
          return reject('unsupported', `CTWing messageType ${JSON.stringify(messageType.slice(0, 40))} is not handled`);
      }
    },
  };
}

function productOf(products: CtwingOptions['products'], id: string): CtwingProduct | undefined {
  return products && Object.hasOwn(products, id) ? products[id] : undefined;
}

/** The object whose keys the field map reads, or why there is none. */
function serviceData(payload: Record<string, unknown>, product: CtwingProduct | undefined): Record<string, unknown> | string {
  const data = own(payload, 'serviceData');
  if (data !== undefined) return isObject(data) ? data : `serviceData must be an object, got ${describe(data)}`;
  const app = own(payload, 'APPdata');
  if (app !== undefined) {
    if (typeof app !== 'string') return `APPdata must be a base64 string, got ${describe(app)}`;
    if (!product?.decodeAppData) return {}; // transparent product without a decoder: liveness only
    try {
      return product.decodeAppData(Buffer.from(app, 'base64')) ?? {};
    } catch (e) {
      return `APPdata decoder failed: ${(e as Error).message}`;
    }
  }
  return payload;
}

function message(head: Omit<PlatformMessage, 'fields'>, source: unknown, map: FieldMap): PlatformMessage {
  const { fields, dropped } = applyFieldMap(source, map);
  return dropped.length ? { ...head, fields, dropped } : { ...head, fields };
}
