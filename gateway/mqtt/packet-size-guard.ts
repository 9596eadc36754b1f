import { Transform, type TransformCallback } from 'node:stream';

/**
 * Bounds MQTT packets before the broker buffers them. aedes has no packet-size limit of its own
 * (its docs: "pair it with a transport-level frame limit"), and MQTT allows 256 MB packets
 * ([MQTT-2.2.3] remaining length up to 268,435,455), so a client could make the broker hold a
 * quarter gigabyte. This walks the fixed headers of the byte stream and fails the stream at the
 * first packet whose declared remaining length exceeds `maxBytes`.
 */
export class PacketSizeGuard extends Transform {
  /** Bytes of the current packet's body still to pass through before the next fixed header. */
  private bodyLeft = 0;
  private header: number[] = [];

  constructor(private readonly maxBytes: number, private readonly onOversize: (declared: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= take;
        at += take;
        continue;
      }
      this.header.push(chunk[at]!);
      at += 1;
      const length = remainingLength(this.header);
      if (length === 'more') continue;
      this.header = [];
      if (length === 'malformed' || length > this.maxBytes) {
        this.onOversize(length === 'malformed' ? -1 : length);
        done(new Error(length === 'malformed' ? 'malformed MQTT remaining length' : `MQTT packet of ${length} bytes over the ${this.maxBytes}-byte limit`));
        return;
      }
      this.bodyLeft = length;
    }
    done(null, chunk);
  }
}

/** [MQTT-2.2.3] variable-length "remaining length": up to 4 bytes, 7 bits each, high bit = more. */
function remainingLength(header: number[]): number | 'more' | 'malformed' {
  if (header.length < 2) return 'more';
  let value = 0;
  for (let i = 1; i < header.length; i++) {
    const byte = header[i]!;
    value += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0) return value;
    if (i === 4) return 'malformed';
  }
  return 'more';
}
