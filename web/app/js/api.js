// Calls to the StreamGate HTTP API (same origin) and the signed-in session.
//
// The session (a JWT from /api/v1/auth/verify-signature) lives in sessionStorage: it ends with
// the tab, and other sites cannot read it. It is sent as `Authorization: Bearer` — never as a
// cookie, so no request is authenticated by accident (no CSRF surface).

const SESSION_KEY = 'streamgate.session';
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// {token, address, chain, scheme, expires_at} or null once expired or signed out.
export function currentSession() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    session = null;
  }
  if (!session || typeof session.token !== 'string') return null;
  if (typeof session.expires_at === 'number' && session.expires_at * 1000 <= Date.now()) {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
  return session;
}

export function setSession(session) {
  if (session) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } else {
    sessionStorage.removeItem(SESSION_KEY);
  }
  for (const listener of listeners) listener(currentSession());
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function authHeaders() {
  const session = currentSession();
  return session ? { Authorization: `Bearer ${session.token}` } : {};
}

// fetch + JSON both ways. Errors become ApiError with the server's code and message
// ({"error":{"code","message"}}), or a network error's text.
export async function api(path, { method = 'GET', body, auth = true, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (auth) Object.assign(init.headers, authHeaders());
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `The server cannot be reached (${error.message}).`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = json && json.error ? json.error : {};
    throw new ApiError(response.status, error.code || `HTTP_${response.status}`,
                       error.message || response.statusText || 'request failed');
  }
  return json;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
