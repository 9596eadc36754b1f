import { reject } from '../../devices/decoded.ts';
import { IwFrameSplitter, decodeIwFrame, iwReply, iwToFields } from '../../devices/codecs/iw/index.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import { siteTzOffsetMinutes, watchReading } from './watch-reading.ts';
import type { FrameOutcome, WatchProtocol } from './watch-protocol.ts';

/**
 * The "IW" protocol (fixture README §4, traccar TrvProtocolDecoder): only the `AP00` login names
 * the watch (its IMEI, the site file's `watchId`); every later frame of the connection is that
 * watch's. The login reply sets the watch's clock to the site's local time, so its report times
 * are read in the site's zone.
 */
export class IwProtocol implements WatchProtocol {
  readonly name = 'iw';
  private readonly splitter: IwFrameSplitter;
  private imei: string | undefined;

  constructor(private readonly registry: SiteRegistry, maxFrameBytes: number) {
    this.splitter = new IwFrameSplitter({ maxFrameBytes });
  }

  split(chunk: Buffer): ReturnType<IwFrameSplitter['push']> {
    return this.splitter.push(chunk);
  }

  handle(frame: Buffer, receivedAt: number): FrameOutcome {
    const decoded = decodeIwFrame(frame);
    if (!decoded.ok) return { kind: 'rejected', rejected: decoded, unknownDevice: false };
    const msg = decoded.value;
    if (msg.kind === 'login') this.imei = msg.imei;
    if (this.imei === undefined) {
      return { kind: 'rejected', rejected: reject('unknown_device', `IW ${msg.type} before the AP00 login that names the watch`), unknownDevice: true };
    }
    const located = this.registry.locate(`watch:${this.imei}`);
    if (!located) {
      return { kind: 'rejected', rejected: reject('unknown_device', `no site has a watch with IMEI ${this.imei} (IW ${msg.type})`), unknownDevice: true };
    }
    const tz = siteTzOffsetMinutes(located, receivedAt);
    const report = iwToFields(msg, { tzOffsetMinutes: tz });
    return {
      kind: 'reading',
      located,
      reading: watchReading(located, report, receivedAt),
      messageKind: msg.kind,
      reply: iwReply(msg, receivedAt, tz),
    };
  }
}
