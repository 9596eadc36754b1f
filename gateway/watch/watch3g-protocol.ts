import { reject } from '../../devices/decoded.ts';
import { WatchFrameSplitter, decodeWatchFrame, watchReply, watchToFields } from '../../devices/codecs/watch3g/index.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import { siteTzOffsetMinutes, watchReading } from './watch-reading.ts';
import type { FrameOutcome, WatchProtocol } from './watch-protocol.ts';

/**
 * The "3G*" protocol (fixture README §4): every frame names its watch (`[3G*ID*LLLL*…]`), so
 * each is looked up on its own — a site swapped while the watch stays connected is seen at once.
 */
export class Watch3gProtocol implements WatchProtocol {
  readonly name = 'watch3g';
  private readonly splitter: WatchFrameSplitter;

  constructor(private readonly registry: SiteRegistry, maxFrameBytes: number) {
    this.splitter = new WatchFrameSplitter({ maxFrameBytes });
  }

  split(chunk: Buffer): ReturnType<WatchFrameSplitter['push']> {
    return this.splitter.push(chunk);
  }

  handle(frame: Buffer, receivedAt: number): FrameOutcome {
    const decoded = decodeWatchFrame(frame);
    if (!decoded.ok) return { kind: 'rejected', rejected: decoded, unknownDevice: false };
    const msg = decoded.value;
    const located = this.registry.locate(`watch:${msg.deviceId}`);
    if (!located) {
      return { kind: 'rejected', rejected: reject('unknown_device', `no site has a watch with id ${msg.deviceId} (${msg.type} frame)`), unknownDevice: true };
    }
    const report = watchToFields(msg, { tzOffsetMinutes: siteTzOffsetMinutes(located, receivedAt) });
    const reply = watchReply(msg);
    return {
      kind: 'reading',
      located,
      reading: watchReading(located, report, receivedAt),
      messageKind: msg.kind,
      ...(reply ? { reply } : {}),
      // Answered all the same (the watch would resend the broken frame forever), but counted.
      ...(msg.kind === 'alarm' && msg.bodyError !== undefined
        ? { warning: reject('bad_frame', `${msg.type} alarm of ${msg.deviceId} without a readable body (${msg.bodyError}): which alarm is unknown`) }
        : {}),
      ...(msg.lengthOk ? {} : { lengthMismatch: true }),
    };
  }
}
