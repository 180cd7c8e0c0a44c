// Calls the JSON API. The token (when the service needs one) is asked once and kept for the tab only.
const TOKEN_KEY = 'audio-extract-token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function askToken() {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  input.value = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'ok' && input.value ? input.value : null),
      { once: true },
    );
    dialog.showModal();
  });
}

export async function api(path, { method = 'GET', body, raw = false } = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && attempt === 0) {
      const entered = await askToken();
      if (entered) {
        sessionStorage.setItem(TOKEN_KEY, entered);
        continue;
      }
    }
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      throw new ApiError(res.status, err.error?.code ?? 'HTTP', err.error?.message ?? `HTTP ${res.status}`);
    }
    return raw ? res : res.json();
  }
}

export function hasToken() {
  return Boolean(sessionStorage.getItem(TOKEN_KEY));
}
