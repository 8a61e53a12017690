import { ERROR_TABLE, type RoadcastErrorCode } from '@roadcast/contracts';

/**
 * SQL text of a coded error recorded on a delivery, `'CODE: message'`, built from the error
 * table's template: each `%s` is filled by the SQL expression given for it, in order.
 */
export function errorTextSql(code: RoadcastErrorCode, ...args: readonly string[]): string {
  const parts = ERROR_TABLE[code].message.split('%s');
  if (parts.length - 1 !== args.length) {
    throw new Error(`${code} takes ${parts.length - 1} values, got ${args.length}`);
  }
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  return parts
    .flatMap((part, i) => [
      literal(i === 0 ? `${code}: ${part}` : part),
      ...(i < args.length ? [`(${args[i]})::text`] : []),
    ])
    .filter((piece) => piece !== "''")
    .join(' || ');
}
