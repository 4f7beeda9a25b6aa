import { crc32 } from "../update/Crc32";

/**
 * Readings not yet acknowledged by the broker, kept in a flash partition so they survive a
 * reboot or a power cut, and replayed in order.
 *
 * Layout (NOR flash: erase sets 0xFF, a write can only clear bits):
 * - each sector starts with an 8-byte header: "AQSF", then the sector's sequence number (BE);
 * - records follow, 4-byte aligned: magic 0xA5, state, payload length (BE16), record id (BE32),
 *   CRC-32 of length + id + payload (BE32), payload.
 * - state only ever loses bits: 0xFF being written, 0x7F committed, 0x3F acknowledged. The commit
 *   is a one-byte write after the record is complete, so a power cut mid-record leaves it
 *   uncommitted and recovery skips it; acknowledging is a one-byte write in place.
 * When the partition is full the oldest sector is erased; unacknowledged records in it are
 * dropped, counted, and reported through `onDrop`, never silently.
 */

export interface FlashLike {
  readonly byteLength: number;
  readonly blockSize: number;
  /** Moddable's flash may answer with a HostBuffer, which XS's typings count as ArrayBufferLike. */
  read(offset: number, byteLength: number): ArrayBufferLike;
  write(offset: number, byteLength: number, buffer: ArrayBuffer | Uint8Array): void;
  erase(sector: number): void;
}

export interface RecoveryReport {
  /** Unacknowledged records found, which will be sent again. */
  readonly pending: number;
  /** Records cut short by a power loss while being written: they never counted as stored. */
  readonly torn: number;
  /** Committed records whose CRC no longer matches (flash wear or corruption): left out, counted. */
  readonly corrupt: number;
}

export interface StoredRecord {
  readonly id: number;
  readonly payload: Uint8Array;
}

interface Entry {
  readonly id: number;
  readonly offset: number;
  readonly length: number;
}

const SECTOR_MAGIC = [0x41, 0x51, 0x53, 0x46];
const SECTOR_HEADER = 8;
const RECORD_MAGIC = 0xa5;
const RECORD_HEADER = 12;
const STATE_WRITING = 0xff;
const STATE_COMMITTED = 0x7f;
const STATE_ACKNOWLEDGED = 0x3f;

const align4 = (n: number) => (n + 3) & ~3;

export class StoreAndForward {
  readonly #flash: FlashLike;
  readonly #sectors: number;
  readonly #sectorSize: number;
  readonly #onDrop: (count: number) => void;
  /** Unacknowledged records, oldest first, with where they are in flash. */
  #pending: Entry[] = [];
  #sectorSequence: number[] = [];
  #current = 0;
  #writeOffset = 0;
  #nextId = 1;
  #dropped = 0;
  readonly #state = new Uint8Array(1);

  constructor(options: { flash: FlashLike; onDrop?: (count: number) => void }) {
    this.#flash = options.flash;
    this.#sectorSize = options.flash.blockSize;
    this.#sectors = Math.floor(options.flash.byteLength / this.#sectorSize);
    if (this.#sectors < 2) throw new RangeError(`store-and-forward needs at least 2 flash sectors, the partition has ${this.#sectors}`);
    this.#onDrop = options.onDrop ?? (() => undefined);
  }

  /** The largest payload one record can hold. */
  get maxPayload(): number {
    return this.#sectorSize - SECTOR_HEADER - RECORD_HEADER;
  }

  get pending(): number {
    return this.#pending.length;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /**
   * How much of the room before the oldest waiting record would be dropped is in use, 0 … 1:
   * the sectors from the oldest pending record's to the one being written, over all but the
   * one sector that must be erased to move on.
   */
  get fill(): number {
    const oldest = this.#pending[0];
    if (!oldest) return 0;
    const oldestSector = Math.floor(oldest.offset / this.#sectorSize);
    const span = ((this.#current - oldestSector + this.#sectors) % this.#sectors) + this.#writeOffset / this.#sectorSize;
    return Math.min(1, span / (this.#sectors - 1));
  }

  /** Scans the partition at boot and rebuilds the list of records still to send. */
  recover(): RecoveryReport {
    let torn = 0;
    let corrupt = 0;
    const sectors: { index: number; sequence: number }[] = [];
    this.#sectorSequence = new Array<number>(this.#sectors).fill(-1);
    for (let index = 0; index < this.#sectors; index++) {
      const header = this.#bytes(index * this.#sectorSize, SECTOR_HEADER);
      if (SECTOR_MAGIC.every((b, i) => header[i] === b)) {
        const sequence = ((header[4]! << 24) | (header[5]! << 16) | (header[6]! << 8) | header[7]!) >>> 0;
        this.#sectorSequence[index] = sequence;
        sectors.push({ index, sequence });
      }
    }
    sectors.sort((a, b) => a.sequence - b.sequence);
    this.#pending = [];
    let lastEnd = 0;
    let lastClean = true;
    for (const { index } of sectors) {
      const base = index * this.#sectorSize;
      const sector = this.#bytes(base, this.#sectorSize);
      let offset = SECTOR_HEADER;
      let clean = true;
      while (offset + RECORD_HEADER <= this.#sectorSize && sector[offset] === RECORD_MAGIC) {
        const state = sector[offset + 1]!;
        const length = (sector[offset + 2]! << 8) | sector[offset + 3]!;
        const id = ((sector[offset + 4]! << 24) | (sector[offset + 5]! << 16) | (sector[offset + 6]! << 8) | sector[offset + 7]!) >>> 0;
        const end = offset + RECORD_HEADER + length;
        if (state === STATE_WRITING || end > this.#sectorSize) {
          torn++;
          clean = false;
          break;
        }
        const stored = ((sector[offset + 8]! << 24) | (sector[offset + 9]! << 16) | (sector[offset + 10]! << 8) | sector[offset + 11]!) >>> 0;
        const computed = crc32(sector, offset + RECORD_HEADER, end, crc32(sector, offset + 2, offset + 8));
        if (stored !== computed) corrupt++;
        else if (state === STATE_COMMITTED) this.#pending.push({ id, offset: base + offset, length });
        if (id >= this.#nextId) this.#nextId = id + 1;
        offset = align4(end);
      }
      if (offset + RECORD_HEADER <= this.#sectorSize && sector[offset] !== 0xff && sector[offset] !== RECORD_MAGIC) {
        torn++;
        clean = false;
      }
      this.#current = index;
      lastEnd = offset;
      lastClean = clean;
    }
    if (sectors.length === 0) this.#startSector(0, 0);
    else if (lastClean) this.#writeOffset = lastEnd;
    else this.#advanceSector();
    return { pending: this.#pending.length, torn, corrupt };
  }

  /** Stores a payload; returns its record id. The oldest sector goes when there is no room. */
  append(payload: Uint8Array): number {
    if (payload.length > this.maxPayload) throw new RangeError(`payload of ${payload.length} bytes is over the ${this.maxPayload}-byte record limit`);
    const size = RECORD_HEADER + payload.length;
    if (this.#writeOffset + size > this.#sectorSize) this.#advanceSector();
    const id = this.#nextId++ >>> 0;
    const record = new Uint8Array(align4(size)).fill(0xff);
    record[0] = RECORD_MAGIC;
    record[1] = STATE_WRITING;
    record[2] = payload.length >> 8;
    record[3] = payload.length & 0xff;
    record[4] = id >>> 24;
    record[5] = (id >>> 16) & 0xff;
    record[6] = (id >>> 8) & 0xff;
    record[7] = id & 0xff;
    record.set(payload, RECORD_HEADER);
    const crc = crc32(record, RECORD_HEADER, size, crc32(record, 2, 8));
    record[8] = crc >>> 24;
    record[9] = (crc >>> 16) & 0xff;
    record[10] = (crc >>> 8) & 0xff;
    record[11] = crc & 0xff;
    const offset = this.#current * this.#sectorSize + this.#writeOffset;
    this.#writeOffset += record.length;
    this.#flash.write(offset, record.length, record);
    this.#writeState(offset, STATE_COMMITTED);
    this.#pending.push({ id, offset, length: payload.length });
    return id;
  }

  /** The oldest unacknowledged records, up to `count`, in the order they were stored. */
  oldest(count: number): StoredRecord[] {
    return this.#pending.slice(0, count).map((entry) => ({ id: entry.id, payload: this.#payload(entry) }));
  }

  /** The oldest unacknowledged record that is not in `skip`, read from flash; only that one is read. */
  oldestExcept(skip: ReadonlySet<number>): StoredRecord | undefined {
    const entry = this.#pending.find((candidate) => !skip.has(candidate.id));
    return entry && { id: entry.id, payload: this.#payload(entry) };
  }

  /** The payload of the `index`-th oldest waiting record (0 = oldest), read from flash. */
  payloadAt(index: number): Uint8Array | undefined {
    const entry = this.#pending[index];
    return entry && this.#payload(entry);
  }

  /**
   * Marks every waiting record as done, as if acknowledged, so none is sent again after a reboot;
   * returns how many there were. Only a person on the console asks for this.
   */
  discardAll(): number {
    const discarded = this.#pending.splice(0);
    for (const entry of discarded) this.#writeState(entry.offset, STATE_ACKNOWLEDGED);
    return discarded.length;
  }

  /** Whether a record is still waiting (not acknowledged, not dropped), from the RAM index alone. */
  isPending(id: number): boolean {
    return this.#pending.some((entry) => entry.id === id);
  }

  /** The broker has the record: mark it in flash so it is not sent again after a reboot. */
  acknowledge(id: number): boolean {
    const index = this.#pending.findIndex((entry) => entry.id === id);
    if (index < 0) return false;
    const [entry] = this.#pending.splice(index, 1);
    this.#writeState(entry!.offset, STATE_ACKNOWLEDGED);
    return true;
  }

  #advanceSector(): void {
    const next = (this.#current + 1) % this.#sectors;
    const sequence = Math.max(...this.#sectorSequence) + 1;
    const start = next * this.#sectorSize;
    const lost = this.#pending.filter((entry) => entry.offset >= start && entry.offset < start + this.#sectorSize).length;
    if (lost > 0) {
      this.#pending = this.#pending.filter((entry) => entry.offset < start || entry.offset >= start + this.#sectorSize);
      this.#dropped += lost;
      this.#onDrop(lost);
    }
    this.#startSector(next, sequence);
  }

  #startSector(index: number, sequence: number): void {
    this.#flash.erase(index);
    const header = Uint8Array.of(...SECTOR_MAGIC, sequence >>> 24, (sequence >>> 16) & 0xff, (sequence >>> 8) & 0xff, sequence & 0xff);
    this.#flash.write(index * this.#sectorSize, SECTOR_HEADER, header);
    this.#sectorSequence[index] = sequence;
    this.#current = index;
    this.#writeOffset = SECTOR_HEADER;
  }

  #writeState(recordOffset: number, state: number): void {
    this.#state[0] = state;
    this.#flash.write(recordOffset + 1, 1, this.#state);
  }

  #payload(entry: Entry): Uint8Array {
    return this.#bytes(entry.offset + RECORD_HEADER, entry.length);
  }

  #bytes(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.#flash.read(offset, length) as ArrayBuffer);
  }
}
