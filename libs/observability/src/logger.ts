import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** The app or component name, written as `service` on every line. */
  service: string;
  level: LevelWithSilent;
  /** Where lines go; standard output when omitted. */
  destination?: NodeJS.WritableStream;
}

/** JSON lines with stable field names; secrets and payloads are redacted by path. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.password',
          '*.apiKey',
          '*.privateKey',
          'payload',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? process.stdout,
  );
}
