import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NoticeRecord, NoticeStore } from './notice-store.js';

/**
 * A notice store in one JSON file. Every change rewrites the file through a temporary file,
 * fsync and rename, so a crash leaves either the old or the new content, never half of one.
 * A vehicle sees a handful of notices a month, so rewriting the whole file is cheap; records
 * beyond `maxRecords` are dropped oldest first (their notices have long expired).
 */
export class FileNoticeStore implements NoticeStore {
  private records = new Map<string, NoticeRecord>();
  private writing: Promise<void> = Promise.resolve();
  private readonly path: string;
  private readonly maxRecords: number;

  constructor(path: string, options: { maxRecords?: number } = {}) {
    this.path = path;
    this.maxRecords = options.maxRecords ?? 1_000;
  }

  async open(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const parsed = JSON.parse(text) as { records?: NoticeRecord[] };
    this.records = new Map((parsed.records ?? []).map((r) => [r.noticeId, r]));
  }

  get(noticeId: string): NoticeRecord | undefined {
    const record = this.records.get(noticeId);
    return record ? { ...record } : undefined;
  }

  list(): NoticeRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  put(record: NoticeRecord): Promise<void> {
    // Re-inserting moves the record to the end, so the oldest untouched ones are trimmed first.
    this.records.delete(record.noticeId);
    this.records.set(record.noticeId, { ...record });
    while (this.records.size > this.maxRecords) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
    }
    const snapshot = JSON.stringify({ records: [...this.records.values()] });
    // Writes are chained so a slow earlier write can never overwrite a newer snapshot.
    this.writing = this.writing.catch(() => undefined).then(() => this.write(snapshot));
    return this.writing;
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
  }

  private async write(snapshot: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(snapshot, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
  }
}
