import type { Socket } from 'node:net';
import { parseProxyHeader, startsWithProxyHeader } from './proxy-protocol.js';

/** The largest PROXY v2 header accepted: an IPv6 address block and a few TLVs. */
export const MAX_PROXY_HEADER_BYTES = 1_024;

export type ProxyRefusal = 'proxy-untrusted' | 'proxy-missing' | 'proxy-invalid' | 'proxy-timeout';

export type ProxyOutcome =
  /** The connection's source address: from the header, or the socket's own. */
  { address: string } | { refusal: ProxyRefusal; detail?: string } | { closed: true };

/**
 * Reads what precedes the TLS ClientHello on a raw connection. From a trusted balancer: its
 * PROXY v2 header, which names the vehicle's address (required unless the policy says
 * otherwise). From anyone else: nothing, and a PROXY header is refused, so no client can
 * claim another address. Bytes after the header are put back for the TLS layer.
 */
export function readProxyHeader(
  socket: Socket,
  options: { trusted: boolean; required: boolean; timeoutMs: number },
  done: (outcome: ProxyOutcome) => void,
): void {
  let data: Buffer = Buffer.alloc(0);
  let settled = false;
  const own = socket.remoteAddress ?? '';
  const finish = (outcome: ProxyOutcome, rest?: Buffer) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    if (rest && rest.length > 0) socket.unshift(rest);
    done(outcome);
  };
  const onData = (chunk: Buffer) => {
    data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
    if (!options.trusted) {
      const starts = startsWithProxyHeader(data);
      if (starts === true) finish({ refusal: 'proxy-untrusted' });
      else if (starts === false) finish({ address: own }, data);
      return;
    }
    const parsed = parseProxyHeader(data, MAX_PROXY_HEADER_BYTES);
    switch (parsed.state) {
      case 'pending':
        if (data.length > MAX_PROXY_HEADER_BYTES)
          finish({ refusal: 'proxy-invalid', detail: 'header too long' });
        return;
      case 'absent':
        if (options.required) finish({ refusal: 'proxy-missing' });
        else finish({ address: own }, data);
        return;
      case 'invalid':
        finish({ refusal: 'proxy-invalid', detail: parsed.reason });
        return;
      case 'complete': {
        const { header } = parsed;
        const address = header.command === 'proxy' ? (header.sourceAddress ?? own) : own;
        finish({ address }, data.subarray(parsed.length));
        return;
      }
    }
  };
  const onClose = () => finish({ closed: true });
  const timer = setTimeout(() => finish({ refusal: 'proxy-timeout' }), options.timeoutMs);
  socket.on('data', onData);
  socket.on('close', onClose);
}
