/** Offsets as parsers report them, mapped to the UTF-16 offsets the rest of the code uses. */

/** libpg-query reports UTF-8 byte offsets; pure-ASCII files need no mapping. */
export function utf8OffsetMapper(text: string): (byteOffset: number) => number {
  if (Buffer.byteLength(text, 'utf8') === text.length) return (b) => Math.max(0, Math.min(b, text.length));
  const charAtByte: number[] = [];
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const len = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < len; k++) charAtByte[bytes + k] = i;
    bytes += len;
    if (code >= 0x10000) i++;
  }
  return (b) => (b >= bytes ? text.length : charAtByte[Math.max(0, b)]!);
}

/** libpg-query's SqlError carries the cursor position (0-based bytes) in sqlDetails. */
export function sqlErrorOffset(err: unknown): number {
  const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
  return typeof details?.cursorPosition === 'number' ? details.cursorPosition : 0;
}
