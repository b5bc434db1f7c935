// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord files
// use it, and TensorFlow's "masked" form of it (tensorflow/core/lib/hash/crc32c.h):
// a CRC stored next to the data it covers is rotated and offset, so that the
// CRC of a string holding CRCs stays well distributed.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** @internal CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** @internal TensorFlow's masked CRC-32C: rotate right by 15 bits, add 0xa282ead8. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
