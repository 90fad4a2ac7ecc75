// The REST client: JSON in and out, the session cookie (same-origin) and the CSRF header on every
// mutating call; errors become ApiError with the server's `error` message and `problems` list.

let csrfToken = null;
let unauthorizedHandler = () => {};

export function setCsrfToken(token) { csrfToken = token ?? null; }

/** Called with the 401 body (it says `setupRequired`) whenever a call is refused for want of a session. */
export function onUnauthorized(handler) { unauthorizedHandler = handler; }

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.problems = Array.isArray(body?.problems) ? body.problems : [];
  }
}

/**
 * api('POST', '/api/x', {json: {...}}) → the parsed JSON (null for 204).
 * Options: json (a body to send as JSON), body (FormData, Blob…), raw (return the Response when ok),
 * quiet401 (do not hand a 401 to the unauthorized handler: sign-in and set-up forms).
 */
export async function api(method, path, options = {}) {
  const headers = {Accept: 'application/json'};
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let body = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let response;
  try {
    response = await fetch(path, {method, headers, body, credentials: 'same-origin', cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, `The server could not be reached (${e.message}).`, null);
  }
  if (response.ok && options.raw) return response;
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const message = (data && typeof data.error === 'string' && data.error)
      || (text && data === null ? text.trim().slice(0, 500) : '')
      || `${response.status} ${response.statusText || 'error'}`.trim();
    const error = new ApiError(response.status, message, data);
    if (response.status === 401 && !options.quiet401) unauthorizedHandler(data ?? {});
    throw error;
  }
  return data;
}

export const enc = encodeURIComponent;
export const nodePath = (name, version) => `/api/nodes/${enc(name)}/versions/${enc(version)}`;
