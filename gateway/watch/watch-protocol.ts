import type { Reading } from '../../contract/index.ts';
import type { Rejected } from '../../devices/decoded.ts';
import type { Located } from '../site/site-registry.ts';

/**
 * What one frame of a watch connection comes to. The connection pushes the reading, and only
 * once `runtime.push` returned (the event is durable) writes the reply: an `AL` answered before
 * that would stop the watch resending an alarm the gateway could still lose.
 */
export type FrameOutcome =
  | {
    kind: 'reading';
    located: Located;
    reading: Reading;
    /** What the message was (`keepalive`, `position`, `alarm`, `vital`, `login`, `other`): a metric label. */
    messageKind: string;
    reply?: Buffer;
    /** Accepted, but something in it was wrong and is counted (an alarm whose body did not parse). */
    warning?: Rejected;
    /** The frame's declared length did not match its content (common; fixture README §4). */
    lengthMismatch?: boolean;
  }
  | { kind: 'rejected'; rejected: Rejected; unknownDevice: boolean };

/** One watch protocol on one connection: a frame splitter plus what a frame means. */
export interface WatchProtocol {
  readonly name: 'watch3g' | 'iw';
  /** Bytes in, whole frames and framing rejects out (bounded by the frame size). */
  split(chunk: Buffer): { frames: Buffer[]; rejects: Rejected[] };
  handle(frame: Buffer, receivedAt: number): FrameOutcome;
}
