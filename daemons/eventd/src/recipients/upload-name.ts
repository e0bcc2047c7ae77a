let seq = 0;

/** A file name for an uploaded notification: time and a sequence number, so no upload overwrites another. */
export function uploadName(now = new Date(), ext = 'txt'): string {
  seq = (seq + 1) % 1_000_000;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `notification_${stamp}_${String(seq).padStart(6, '0')}.${ext}`;
}

/** A file name a user gave (after substitution): one path step, no separators or control characters. */
export function checkFileName(name: string): string | undefined {
  if (!name || name === '.' || name === '..') return 'the file name is empty';
  if (name.length > 255) return 'the file name is longer than 255 characters';
  if ([...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'the file name holds a separator or a control character';
  return undefined;
}
