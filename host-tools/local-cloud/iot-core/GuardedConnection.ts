import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { MqttPacketGuard, type PacketRefusal } from "./MqttPacketGuard.ts";

export interface GuardedConnectionOptions {
  /** The clock, in milliseconds, the connection's publish quota counts by. */
  readonly now: () => number;
  /** The guard refused a packet; the connection is closed. */
  readonly onRefused: (refusal: PacketRefusal) => void;
  /** The guard cut a PUBLISH out of the stream; the connection stays open. */
  readonly onDiscarded: (detail: string) => void;
}

/**
 * The client's socket as the broker sees it: every byte the client sends passes the packet guard
 * first, and the connection is dropped at the first packet AWS IoT Core would refuse, so an
 * oversized packet is never buffered. A PUBLISH over the publish quota never reaches the broker.
 */
export class GuardedConnection extends Duplex {
  readonly socket: Socket;

  constructor(socket: Socket, options: GuardedConnectionOptions) {
    super();
    this.socket = socket;
    const guard = new MqttPacketGuard({ now: options.now });
    socket.on("data", (chunk: Buffer) => {
      const verdict = guard.check(chunk);
      for (const detail of verdict.discarded) options.onDiscarded(detail);
      if (verdict.refusal) {
        options.onRefused(verdict.refusal);
        socket.destroy();
        this.destroy();
        return;
      }
      let room = true;
      for (const bytes of verdict.forward) room = this.push(bytes) && room;
      if (!room) socket.pause();
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
