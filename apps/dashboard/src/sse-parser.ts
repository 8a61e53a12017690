/** One dispatched server-sent event. */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * An incremental parser of the text/event-stream format: feed it decoded text in chunks of
 * any size (a chunk may end inside a line) and it returns the events that completed. It
 * follows the WHATWG rules that matter here: CRLF, CR or LF line ends, comment lines, the
 * optional space after the colon, multi-line data, and `id` persisting across events.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private sawData = false;
  /** The last event id seen, which a reconnect sends as Last-Event-ID. */
  lastEventId: string | undefined;
  /** The reconnection delay the server asked for, if any. */
  retryMs: number | undefined;

  feed(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more text.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.sawData = true;
    } else if (field === 'event') {
      this.event = value;
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastEventId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      this.retryMs = Number(value);
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message = this.sawData
      ? { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') }
      : undefined;
    this.data = [];
    this.event = '';
    this.sawData = false;
    return message;
  }
}
