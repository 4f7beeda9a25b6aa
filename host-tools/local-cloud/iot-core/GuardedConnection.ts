import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { MqttPacketGuard, type PacketRefusal } from "./MqttPacketGuard.ts";

/**
 * The client's socket as the broker sees it: every byte the client sends passes the packet guard
 * first, and the connection is dropped at the first packet AWS IoT Core would refuse, so an
 * oversized packet is never buffered.
 */
export class GuardedConnection extends Duplex {
  readonly socket: Socket;

  constructor(socket: Socket, onRefused: (refusal: PacketRefusal) => void) {
    super();
    this.socket = socket;
    const guard = new MqttPacketGuard();
    socket.on("data", (chunk: Buffer) => {
      const refusal = guard.check(chunk);
      if (refusal) {
        onRefused(refusal);
        socket.destroy();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on("end", () => this.push(null));
    socket.on("error", (error) => this.destroy(error));
    socket.on("close", () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.socket.destroyed) done();
    else this.socket.write(chunk, done);
  }

  override _final(done: () => void): void {
    this.socket.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }
}
