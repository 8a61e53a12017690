import './styles.css';
import { ApiClient } from './api-client.js';
import { ApiRequestError } from './api-error.js';
import { startShell } from './app-shell.js';
import { replaceChildren } from './dom.js';
import { forgetKey, loadKey, saveKey } from './session-key.js';
import { loginView } from './views/login-view.js';

const root = document.querySelector<HTMLElement>('#app')!;
let stop: (() => void) | undefined;

function signIn(): void {
  replaceChildren(
    root,
    loginView((api, role) => {
      saveKey(api.key);
      stop = startShell(root, api, role, signOut);
    }),
  );
}

function signOut(): void {
  stop?.();
  stop = undefined;
  forgetKey();
  signIn();
}

// A key from earlier in this tab is checked again: it may have been revoked meanwhile.
const saved = loadKey();
if (saved) {
  const api = new ApiClient(saved);
  api
    .role()
    .then((role) => (stop = startShell(root, api, role, signOut)))
    .catch((err: unknown) => {
      // Only a refused key is forgotten; an unreachable API keeps it for the next try.
      if (err instanceof ApiRequestError && err.status === 401) forgetKey();
      signIn();
    });
} else {
  signIn();
}
