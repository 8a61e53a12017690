/**
 * Bytes from a fixture written one field per line, commented after `|`:
 *   32 5d | PUBLISH, QoS 1, remaining length 93
 */
export const hex = (lines: string): Buffer =>
  Buffer.from(
    lines
      .split('\n')
      .map((line) => (line.split('|')[0] ?? '').replace(/\s+/g, ''))
      .join(''),
    'hex',
  );
