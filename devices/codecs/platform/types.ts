import type { DeviceFields } from '../../../contract/index.ts';
import type { Decoded } from '../../decoded.ts';

/** What the gateway's `POST /push/{platform}` hands a mapping: no HTTP objects, just data. */
export interface PushRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  /** The push URL's query parameters (a shared token can travel there, e.g. `?token=`). */
  query?: Record<string, string | undefined>;
}

/** One device message out of a platform push. */
export interface PlatformMessage {
  /**
   * Stable across the platform's retries, for de-duplication: the platform's own id when it
   * sends one, else a hash of platform + device + timestamp + payload (see `message-id.ts`).
   */
  messageId: string;
  /** The device as the platform knows it (`Device.platformDeviceId` in the site file). */
  platformDeviceId: string;
  /** Epoch ms: the platform's timestamp of the message (the receive time if it sends none). */
  ts: number;
  kind: 'data' | 'event' | 'availability';
  fields: DeviceFields;
  /** Set on online/offline notifications. */
  online?: boolean;
  /** Source values that did not become a field (unmapped value, out of range): for the log. */
  dropped?: string[];
  /** The platform's own message, for the log and for fields the vocabulary lacks. */
  raw?: unknown;
}

export interface PlatformMapping {
  /** The `{platform}` of `POST /push/{platform}` and `Device.platform` in the site file. */
  name: string;
  /** Authenticity of a push, before decoding. `secret` = the token configured for the platform. */
  verify(req: PushRequest, secret?: string): Decoded<void>;
  /** The parsed JSON body → its device messages. Never throws. */
  decode(body: unknown, receivedAt?: number): Decoded<PlatformMessage[]>;
  /** A GET handshake before the platform will push (OneNET URL check): what to answer with 200. */
  answerVerification?(query: Record<string, string | undefined>, secret?: string): Decoded<string>;
}
