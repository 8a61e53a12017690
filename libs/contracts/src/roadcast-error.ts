import { ERROR_TABLE, type ErrorEntry, type RoadcastErrorCode } from './error-table.js';

export { ERROR_TABLE, type ErrorEntry, type RoadcastErrorCode } from './error-table.js';

// A registered symbol, so an error made by another copy of this module is still recognised.
const BRAND = Symbol.for('roadcast.error');

export interface RoadcastErrorOptions {
  /** Appended as `message: detail` (what failed where the template has no room for it). */
  detail?: string;
  cause?: unknown;
}

/** The values a message template takes, one per `%s`. */
export type TemplateArgs<M extends string> = M extends `${string}%s${infer Rest}`
  ? [string | number, ...TemplateArgs<Rest>]
  : [];

type MessageOf<C extends RoadcastErrorCode> = (typeof ERROR_TABLE)[C]['message'];

/** HTTP status of `code`, or undefined where no HTTP caller meets it. */
export function httpStatusOf(code: RoadcastErrorCode): number | undefined {
  const entry: ErrorEntry = ERROR_TABLE[code];
  return entry.status;
}

/** Every code of the table that has an MQTT 5 reason code. */
export type MqttErrorCode = {
  [C in RoadcastErrorCode]: (typeof ERROR_TABLE)[C] extends { reason: number } ? C : never;
}[RoadcastErrorCode];

/** MQTT 5 reason code of `code`, or undefined where none applies. */
export function mqttReasonOf(code: MqttErrorCode): number;
export function mqttReasonOf(code: RoadcastErrorCode): number | undefined;
export function mqttReasonOf(code: RoadcastErrorCode): number | undefined {
  const entry: ErrorEntry = ERROR_TABLE[code];
  return entry.reason;
}

function format(template: string, values: ReadonlyArray<string | number>): string {
  let i = 0;
  return template.replace(/%s/g, () => String(values[i++]));
}

/**
 * An error with a code from the table. Its status and reason come from the table only, so
 * whoever answers it (the API over HTTP, the router over MQTT) needs nothing but the code.
 */
export class RoadcastError<C extends RoadcastErrorCode = RoadcastErrorCode> extends Error {
  readonly code: C;
  readonly statusCode: number | undefined;
  readonly mqttReason: number | undefined;

  constructor(code: C, message?: string, options: RoadcastErrorOptions = {}) {
    const text = message ?? ERROR_TABLE[code].message;
    super(
      options.detail ? `${text}: ${options.detail}` : text,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'RoadcastError';
    this.code = code;
    this.statusCode = httpStatusOf(code);
    this.mqttReason = mqttReasonOf(code);
  }

  get [BRAND](): true {
    return true;
  }
}

/** A class whose instances carry `code`, built from the template's arguments. */
export interface RoadcastErrorClass<C extends RoadcastErrorCode, E extends RoadcastError> {
  new (...args: [...TemplateArgs<MessageOf<C>>, options?: RoadcastErrorOptions]): E & {
    readonly code: C;
  };
  readonly code: C;
}

type FamilyBase<C extends RoadcastErrorCode, E extends RoadcastError> = new (
  code: C,
  message?: string,
  options?: RoadcastErrorOptions,
) => E;

/**
 * The error class of one table entry: `new (createError(code))(...templateValues, options?)`.
 * `Base` is the family it belongs to (e.g. a library's own error class), so callers may test
 * with `instanceof` as well as by code.
 */
export function createError<C extends RoadcastErrorCode, E extends RoadcastError = RoadcastError>(
  code: C,
  Base?: FamilyBase<C, E>,
): RoadcastErrorClass<C, E> {
  const template: string = ERROR_TABLE[code].message;
  const slots = template.split('%s').length - 1;
  const Parent = (Base ?? RoadcastError) as unknown as typeof RoadcastError;
  class Coded extends Parent {
    static readonly code = code;
    constructor(...args: Array<string | number | RoadcastErrorOptions | undefined>) {
      const values = args.slice(0, slots) as Array<string | number>;
      super(code, format(template, values), args[slots] as RoadcastErrorOptions | undefined);
    }
  }
  return Coded as unknown as RoadcastErrorClass<C, E>;
}

/** Whether `err` is a coded Roadcast error (of `code`, when given). */
export function isRoadcastError<C extends RoadcastErrorCode = RoadcastErrorCode>(
  err: unknown,
  code?: C,
): err is RoadcastError<C> {
  if (typeof err !== 'object' || err === null) return false;
  const coded = err as { [BRAND]?: unknown; code?: unknown };
  if (coded[BRAND] !== true || typeof coded.code !== 'string') return false;
  if (!Object.hasOwn(ERROR_TABLE, coded.code)) return false;
  return code === undefined || coded.code === code;
}
