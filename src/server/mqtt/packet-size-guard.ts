// aedes (through mqtt-packet) buffers a packet whole before it looks at it, however large its
// declared length: four 200 MB PUBLISHes once took the server from 180 MB to 1.5 GB. This guard
// sits between the socket and the broker and reads only the MQTT fixed headers (MQTT 3.1.1
// §2.2: one type byte, then the remaining length as 1-4 variable-length bytes). A packet that
// declares more than the limit closes the connection before any of its body is buffered.
import { Duplex } from 'node:stream';
import { TELEMETRY_LIMITS } from '../../core/telemetry/index.js';

/** A batch at its largest, plus room for the PUBLISH header and topic (MQTT 3.1.1 §3.3). */
export const MQTT_MAX_PACKET_BYTES = TELEMETRY_LIMITS.maxBatchBytes + 1024;

/** Follows packet boundaries across chunks; `push` answers false once a packet is too large. */
export class MqttFrameScanner {
  readonly #maxPacketBytes: number;
  /** Bytes of the current packet's body still to skip. */
  #skip = 0;
  /** 'type': next byte starts a packet; 'length': reading the remaining length. */
  #state: 'type' | 'length' = 'type';
  #length = 0;
  #multiplier = 1;

  constructor(maxPacketBytes: number) {
    this.#maxPacketBytes = maxPacketBytes;
  }

  push(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.#state === 'type') {
        this.#state = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      if (this.#length > this.#maxPacketBytes) return false;
      if (byte & 0x80) {
        this.#multiplier *= 128;
        // A fifth length byte is malformed (§2.2.3); refuse it here rather than parse further.
        if (this.#multiplier > 128 ** 3) return false;
        continue;
      }
      this.#skip = this.#length;
      this.#state = 'type';
    }
    return true;
  }
}

/**
 * The socket as the broker sees it, with every packet's size checked first. `onRefused` is
 * called once when a connection is closed for an oversized packet.
 */
export function guardPacketSize(
  socket: Duplex,
  maxPacketBytes: number,
  onRefused: () => void = () => {},
): Duplex {
  const scanner = new MqttFrameScanner(maxPacketBytes);
  const guarded: Duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!scanner.push(chunk)) {
      onRefused();
      guarded.destroy();
      return;
    }
    if (!guarded.push(chunk)) socket.pause();
  });
  socket.on('end', () => guarded.push(null));
  socket.on('error', (error) => guarded.destroy(error));
  socket.on('close', () => guarded.destroy());
  return guarded;
}
