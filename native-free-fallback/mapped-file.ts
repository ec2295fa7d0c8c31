/**
 * A "mapped" file without mmap: a Buffer holding the file's first `sizeBytes` bytes, read once at
 * map time, with write-through. `write()` copies into the Buffer and writes the same bytes at the
 * same position with a positioned write, so the file on disk is byte-for-byte what the native
 * mapping would leave; `flush()` is fsync (the native side's msync).
 *
 * Invariants: the Buffer and the file agree on every byte written through `write()`; the fd belongs
 * to the caller and is never closed here; after `close()` the Buffer is dropped and every method
 * (and `bytes`) throws.
 *
 * Crash behaviour: bytes are in the page cache as soon as `write()` returns (a process crash loses
 * nothing), on disk after `flush()`. A failed write (ENOSPC into a sparse region) throws with the
 * Buffer already holding the new bytes: the caller treats the mapping as broken and reloads.
 *
 * Memory: the whole mapped size, read at map time. seglog maps only sealed, trimmed files here
 * (their entries, and only while looked up); active index files are never mapped, so a log's
 * preallocated sizes are never mirrored (lib/segment/index-file.ts).
 *
 * Unlike a real mapping, writes by other processes after map time are not seen. seglog has one
 * writer per directory (the directory lock), so this only matters to concurrent readers.
 *
 * Imports: Node built-ins and contract types only.
 */
import { fstatSync, fsyncSync, readSync, writeSync } from 'node:fs';
import type { MapFile, MappedFile, PlatformFaults } from '../lib/platform/contract.js';

/**
 * What both sides of MappedFile share (the native one in lib/platform/native.ts extends it too): the
 * bytes, use-after-close and bounds checks — a store past a real mapping is SIGBUS, and into a
 * PROT_READ one SIGSEGV, so both are refused before the bytes are touched.
 */
export abstract class CheckedMappedFile implements MappedFile {
  readonly sizeBytes: number;
  readonly writable: boolean;
  private mapped: Buffer | null;
  protected readonly faults: PlatformFaults;

  constructor(mapped: Buffer, writable: boolean, faults: PlatformFaults) {
    this.sizeBytes = mapped.length;
    this.writable = writable;
    this.mapped = mapped;
    this.faults = faults;
  }

  get bytes(): Buffer {
    return this.live();
  }

  protected live(): Buffer {
    const mapped = this.mapped;
    if (mapped === null) throw this.faults.bug('mapped file used after close()');
    return mapped;
  }

  write(positionBytes: number, source: Uint8Array): void {
    const mapped = this.live();
    if (!this.writable) throw this.faults.bug('write() on a read-only mapping');
    if (!(Number.isSafeInteger(positionBytes) && positionBytes >= 0 && positionBytes + source.length <= this.sizeBytes)) {
      throw this.faults.bug(`write of ${source.length} bytes at position ${positionBytes} outside mapping of ${this.sizeBytes}`);
    }
    mapped.set(source, positionBytes);
    this.afterWrite(positionBytes, source);
  }

  /** The fallback persists the same bytes here (write-through); a real mapping needs nothing. */
  protected afterWrite(positionBytes: number, source: Uint8Array): void {
    void positionBytes;
    void source;
  }

  abstract flush(): void;

  close(): void {
    this.mapped = null;
  }
}

class BufferMappedFile extends CheckedMappedFile {
  private readonly fd: number;

  constructor(fd: number, mapped: Buffer, writable: boolean, faults: PlatformFaults) {
    super(mapped, writable, faults);
    this.fd = fd;
  }

  protected override afterWrite(positionBytes: number, source: Uint8Array): void {
    const lengthBytes = source.length;
    const fd = this.fd;
    let writtenBytes = 0;
    try {
      while (writtenBytes < lengthBytes) {
        writtenBytes += writeSync(fd, source, writtenBytes, lengthBytes - writtenBytes, positionBytes + writtenBytes);
      }
    } catch (error) {
      throw this.faults.io(error, `write-through of ${lengthBytes} bytes at position ${positionBytes + writtenBytes}`, undefined);
    }
  }

  override flush(): void {
    this.live();
    if (!this.writable) return;
    try {
      fsyncSync(this.fd);
    } catch (error) {
      throw this.faults.io(error, 'fsync mapped file', undefined);
    }
  }

}

export function createMapFile(faults: PlatformFaults): MapFile {
  return function mapFile(fd: number, sizeBytes: number, writable: boolean): MappedFile {
    if (!(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0)) throw faults.bug(`mapFile size ${sizeBytes} is not a byte count`);
    let fileBytes: number;
    try {
      fileBytes = fstatSync(fd).size;
    } catch (error) {
      throw faults.io(error, `stat fd ${fd} to map`, undefined);
    }
    if (fileBytes < sizeBytes) throw faults.bug(`mapFile of ${sizeBytes} bytes but fd ${fd} holds ${fileBytes}`);
    const mapped = Buffer.alloc(sizeBytes);
    let readBytes = 0;
    try {
      while (readBytes < sizeBytes) {
        const n = readSync(fd, mapped, readBytes, sizeBytes - readBytes, readBytes);
        if (n === 0) break;
        readBytes += n;
      }
    } catch (error) {
      throw faults.io(error, `read fd ${fd} to map`, undefined);
    }
    if (readBytes < sizeBytes) throw faults.bug(`fd ${fd} shrank to ${readBytes} bytes while mapping ${sizeBytes}`);
    return new BufferMappedFile(fd, mapped, writable, faults);
  };
}
