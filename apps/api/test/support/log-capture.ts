import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@roadcast/observability';

export interface LogCapture {
  logger: Logger;
  lines: Array<{ level: string; msg: string } & Record<string, unknown>>;
  /** Lines whose message starts with `prefix`. */
  count(prefix: string): number;
}

/** A logger whose JSON lines the test can read back. */
export function captureLogs(level: 'info' | 'warn' = 'info'): LogCapture {
  const lines: LogCapture['lines'] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    logger: createLogger({ service: 'api', level, destination }),
    lines,
    count: (prefix) =>
      lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix)).length,
  };
}
