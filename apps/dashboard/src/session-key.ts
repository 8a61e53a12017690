/**
 * The API key lives in sessionStorage: it survives reloads of this tab, is gone when the tab
 * closes, and is never shared with other tabs or written to disk by the page.
 */
const STORAGE_KEY = 'roadcast.apiKey';

export function loadKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
