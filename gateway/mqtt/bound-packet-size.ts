import type { Client } from 'aedes';

/** The part of mqtt-packet's parser (aedes' `client._parser`) the bound hooks into. */
interface LengthParser {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

/**
 * Bounds MQTT packets before the broker buffers them. aedes has no packet-size limit of its own
 * (its docs: "pair it with a transport-level frame limit") and MQTT allows 256 MB packets
 * ([MQTT-2.2.3] remaining length up to 268,435,455). This checks the remaining length as the
 * client's own parser reads it — before any payload byte is kept — and fails the parse, which
 * makes aedes close the connection. Hooking the parser costs nothing per byte; the stream guard
 * it replaced (a Transform in front of every socket) cost ingest throughput and ~10 KB per connection.
 * Returns false when the parser is not the expected one (an aedes upgrade): the caller then
 * refuses the connection rather than run unbounded.
 */
export function boundPacketSize(client: Client, maxBytes: number, onOversize: (declared: number) => void): boolean {
  const parser = (client as unknown as { _parser?: Partial<LengthParser> })._parser;
  if (!parser || typeof parser._parseLength !== 'function' || typeof parser._emitError !== 'function') return false;
  const parseLength = parser._parseLength;
  const typed = parser as LengthParser;
  typed._parseLength = function boundedParseLength(this: LengthParser): boolean {
    const ok = parseLength.call(this);
    if (ok && this.packet.length > maxBytes) {
      onOversize(this.packet.length);
      this._emitError(new Error(`MQTT packet of ${this.packet.length} bytes over the ${maxBytes}-byte limit`));
      return false;
    }
    return ok;
  };
  return true;
}
