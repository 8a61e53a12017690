/** Hex fixtures written one field per line: `20 03 | CONNACK, remaining length 3`. */
export function bytes(lines: string): Buffer {
  return Buffer.from(
    lines
      .split('\n')
      .map((line) => (line.split('|')[0] ?? '').replace(/\s+/g, ''))
      .join(''),
    'hex',
  );
}
