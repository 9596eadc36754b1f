/** Carriers' IoT platforms pushing device messages to the gateway (`POST /push/{platform}`). */
import { accept, type Decoded } from '../../decoded.ts';
import { parseJsonBody } from './json-body.ts';
import type { PlatformMapping, PlatformMessage, PushRequest } from './types.ts';

export type { PlatformMapping, PlatformMessage, PushRequest } from './types.ts';
export { createCtwingMapping } from './ctwing.ts';
export type { CtwingOptions, CtwingProduct } from './ctwing.ts';
export { createOneNetMapping, oneNetSignature } from './onenet.ts';
export type { OneNetOptions } from './onenet.ts';
export { createGenericJsonMapping, GenericJsonConfig } from './generic-json.ts';
export { applyFieldMap, DEFAULT_PLATFORM_FIELDS, COMMON_DETECTOR_FIELDS, IDENTITY_FIELDS } from './field-map.ts';
export type { FieldMap, FieldRule, FieldValue, MappedFields } from './field-map.ts';
export { stableMessageId, canonicalJson } from './message-id.ts';
export { parseJsonBody, MAX_PUSH_BYTES } from './json-body.ts';
export { PUSH_TOKEN_HEADER } from './shared-token.ts';

/** verify → parse → decode, the whole of one push; what the gateway's route calls. */
export function decodePush(mapping: PlatformMapping, req: PushRequest, secret: string | undefined, receivedAt: number): Decoded<PlatformMessage[]> {
  const verified = mapping.verify(req, secret);
  if (!verified.ok) return verified;
  const body = parseJsonBody(req.rawBody);
  if (!body.ok) return body;
  const decoded = mapping.decode(body.value, receivedAt);
  return decoded.ok ? accept(decoded.value) : decoded;
}
