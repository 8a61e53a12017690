/** What the API needs to answer: Postgres (the source of truth) and Redis (queues, events). */
export type Dependency = 'database' | 'redis';

// SQLSTATE classes and codes meaning "the server cannot serve now", not "this query is wrong":
// connection exceptions, insufficient resources, operator intervention (shutdown, restart,
// cannot connect now) and a statement cancelled by statement_timeout.
const PG_UNAVAILABLE_CLASSES = ['08', '53'];
const PG_UNAVAILABLE_CODES = new Set(['57014', '57P01', '57P02', '57P03']);

// node-postgres and pg-pool raise these without a code when a connection cannot be had or
// is lost; their messages are the only thing that tells them apart.
const PG_CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Query read timeout',
];

// ioredis rejects commands with these when Redis is away: no connection and the command timed
// out, the offline queue was flushed after the retry limit, or the client was closed.
const REDIS_MESSAGES = ['Command timed out', 'Connection is closed', "Stream isn't writeable"];

// Socket errors reach a request only from node-postgres: ioredis reports its socket errors as
// events and rejects commands with the messages above instead.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** The dependency whose unavailability caused `err`, or undefined for any other failure. */
export function unavailableDependency(err: unknown, depth = 0): Dependency | undefined {
  if (typeof err !== 'object' || err === null || depth > 3) return undefined;
  const { name, code, message } = err as { name?: unknown; code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (name === 'MaxRetriesPerRequestError') return 'redis';
  if (REDIS_MESSAGES.some((m) => text.startsWith(m))) return 'redis';
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return 'database';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return PG_UNAVAILABLE_CODES.has(code) || PG_UNAVAILABLE_CLASSES.includes(code.slice(0, 2))
        ? 'database'
        : undefined;
    }
  }
  if (PG_CONNECTION_MESSAGES.some((m) => text.startsWith(m))) return 'database';
  // Libraries that wrap a failure keep it as the cause; a failed connect to several addresses
  // is an AggregateError of one error per address.
  const inner = (err as { cause?: unknown }).cause ?? (err as { errors?: unknown[] }).errors?.[0];
  return unavailableDependency(inner, depth + 1);
}
