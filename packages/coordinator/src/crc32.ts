/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of a byte range, from
 * `zlib.crc32` (Node >= 20.15). It is the same CRC the journal has always
 * used, so existing journals still read. Check value:
 * crc32("123456789") === 0xcbf43926.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** The CRC-32 of `bytes[start, end)`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return zlibCrc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) >>> 0;
}
