export type AcceptedState = 'published' | 'parked';

/**
 * What the brokers answered for a batch of deliveries, kept as columns in the deliveries'
 * own (id) order: the shape the one statement that records them takes, with no object per
 * notice. A delivery with no state failed this time and carries its error instead.
 */
export class PublishReport {
  readonly ids: number[];
  readonly states: Array<AcceptedState | null>;
  readonly brokerIds: Array<string | null>;
  readonly errors: Array<string | null>;
  published = 0;
  parked = 0;
  failed = 0;

  constructor(deliveries: ReadonlyArray<{ id: number }>) {
    const n = deliveries.length;
    this.ids = deliveries.map((d) => d.id);
    this.states = new Array<AcceptedState | null>(n).fill(null);
    this.brokerIds = new Array<string | null>(n).fill(null);
    this.errors = new Array<string | null>(n).fill(null);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Deliveries the brokers took, published or parked. */
  get accepted(): number {
    return this.published + this.parked;
  }

  accept(index: number, state: AcceptedState, brokerId: string): void {
    this.states[index] = state;
    this.brokerIds[index] = brokerId;
    if (state === 'published') this.published += 1;
    else this.parked += 1;
  }

  fail(index: number, brokerId: string | undefined, error: string): void {
    this.brokerIds[index] = brokerId ?? null;
    this.errors[index] = error.slice(0, 500);
    this.failed += 1;
  }

  /** Ids of the deliveries that failed, for the job's retry. */
  failedIds(): number[] {
    return this.ids.filter((_, i) => this.errors[i] !== null);
  }

  /** Ids of the deliveries a session received (published), for the cancel check. */
  publishedIds(): number[] {
    return this.ids.filter((_, i) => this.states[i] === 'published');
  }

  firstError(): string {
    return this.errors.find((e) => e !== null) ?? '';
  }
}
