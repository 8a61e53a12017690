import type { ApiClient, Role } from './api-client.js';
import type { LiveEvent } from './event-stream.js';
import type { ProgressHistory } from './progress-history.js';

/** What every view is given: the API, the key's role, progress history and navigation. */
export interface AppContext {
  api: ApiClient;
  role: Role;
  history: ProgressHistory;
  navigate(hash: string): void;
  /** A short message for screen readers and the status line. */
  announce(message: string): void;
}

/** A page of the dashboard. The shell forwards live events to the page on screen. */
export interface View {
  element: HTMLElement;
  onEvent?(event: LiveEvent): void;
  /** The stream came back after a break: refetch what may have changed meanwhile. */
  onResumed?(): void;
  dispose?(): void;
}
