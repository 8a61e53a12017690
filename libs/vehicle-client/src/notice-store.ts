import type { AckState } from '@roadcast/contracts';

/**
 * What the vehicle remembers about one notice it accepted, rejected or was told to cancel.
 * `state` is the newest state the vehicle reached; `reportedState` the newest one the broker
 * confirmed (PUBACK) on the ack topic. They differ while a report is still on its way, and
 * the client re-sends the difference after a reconnect or a restart.
 */
export interface NoticeRecord {
  noticeId: string;
  campaignId: string;
  type: 'update' | 'cancel';
  updateId: string;
  version: string;
  state: AckState | 'cancelled';
  reason?: string;
  reportedState?: AckState;
  receivedAt: string;
  /** When the notice stops being valid; reports about it are not repeated after that. */
  expiresAt?: string;
}

/**
 * Where a vehicle keeps the notices it has seen, so a notice delivered again (a re-send
 * after a reconnect, a broker session replayed after a restart) is never shown to the
 * vehicle's software twice. Implementations must survive a process restart to give that
 * guarantee across restarts; `MemoryNoticeStore` does not and is meant for tests.
 */
export interface NoticeStore {
  /** Reads whatever was persisted; called once before the client connects. */
  open(): Promise<void>;
  get(noticeId: string): NoticeRecord | undefined;
  list(): NoticeRecord[];
  /** Persists the record; resolves once it would survive a crash. */
  put(record: NoticeRecord): Promise<void>;
  close(): Promise<void>;
}

export class MemoryNoticeStore implements NoticeStore {
  private readonly records = new Map<string, NoticeRecord>();

  async open(): Promise<void> {}

  get(noticeId: string): NoticeRecord | undefined {
    const record = this.records.get(noticeId);
    return record ? { ...record } : undefined;
  }

  list(): NoticeRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  async put(record: NoticeRecord): Promise<void> {
    this.records.set(record.noticeId, { ...record });
  }

  async close(): Promise<void> {}
}
