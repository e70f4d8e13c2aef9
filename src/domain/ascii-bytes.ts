/**
 * Writes `text` into `target` from its start when every character is ASCII, which is then its
 * own UTF-8; answers the number of bytes, or -1 when a character is not ASCII or `target` is
 * too short (the caller encodes it the general way). For the short keys and ids it is used on,
 * this loop costs a fraction of a call to `TextEncoder.encodeInto` or `Buffer.from`.
 */
export function writeAscii(text: string, target: Uint8Array): number {
  if (text.length > target.length) return -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    target[i] = code;
  }
  return text.length;
}
