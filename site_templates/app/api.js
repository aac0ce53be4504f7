// Every call to the mailbox daemon (config.mailbox, e.g. /portal-mailbox/v1/). Each call answers
// {status, ok, json, problem, retryAfter} and never throws on an HTTP error; a network failure
// is status 0. Signed bodies are stringified once and those very bytes are signed and sent.
import { readConfig } from './config.js';
import { signDetachedBase64 } from './crypto/keys.js';

// The daemon's routes as the signed query texts name them (the mailbox path may differ).
const SIGNED_PREFIX = '/v1/';

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh nonce: 16 random bytes, base64url without padding (22 characters). */
export function newNonce() {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}

/** Now as a FHIR instant in UTC without fractions, e.g. 2026-12-02T16:40:00Z. */
export function nowInstant() {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function url(route) {
  return readConfig().mailbox + route;
}

// The answer as the app reads it. `json` is the body when it is a JSON object (also for
// problems), `problem` the problem object for 4xx/5xx.
async function answer(res) {
  let json = null;
  try {
    const text = await res.text();
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const ok = res.ok;
  let problem = null;
  if (!ok) {
    problem = json && typeof json === 'object' ? json : { status: res.status };
  }
  const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  return { status: res.status, ok, json, problem, retryAfter: Number.isNaN(retry) ? null : retry };
}

async function call(route, init) {
  try {
    const res = await fetch(url(route), {
      credentials: 'omit', cache: 'no-store', redirect: 'error', ...init,
    });
    return await answer(res);
  } catch {
    return { status: 0, ok: false, json: null, problem: { status: 0, title: 'network' },
      retryAfter: null };
  }
}

/**
 * Sends `body` as JSON with `method`, signed by `privateKey` (Portal-Signature: a detached
 * binary signature over exactly the bytes sent).
 * @param {'POST'|'PUT'} method
 * @param {string} route e.g. 'messages', 'key-blob'
 * @param {object} body
 * @param {object} privateKey unlocked PrivateKey
 * @param {object} [headers] extra headers (e.g. Idempotency-Key)
 */
export async function sendSigned(method, route, body, privateKey, headers = {}) {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const signature = await signDetachedBase64(bytes, privateKey);
  return call(route, {
    method,
    headers: { 'Content-Type': 'application/json', 'Portal-Signature': signature, ...headers },
    body: bytes,
  });
}

/**
 * POST `route` with `body` signed by `privateKey` (messages, profile-changes, activations,
 * key-resets, proxy-links).
 * @returns {Promise<{status: number, ok: boolean, json: ?object, problem: ?object}>}
 */
export async function postSigned(route, body, privateKey) {
  return sendSigned('POST', route, body, privateKey);
}

/**
 * POST `route` with `body`, unsigned (prelogin, sessions, registrations, recoveries).
 * @returns {Promise<{status: number, ok: boolean, json: ?object, problem: ?object}>}
 */
export async function postPlain(route, body) {
  return call(route, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
}

async function signedGet(route, text, headers, privateKey) {
  const signature = await signDetachedBase64(new TextEncoder().encode(text), privateKey);
  return call(route, { method: 'GET', headers: { ...headers, 'Portal-Signature': signature } });
}

/**
 * GET /v1/me, signed by the account's key over "GET /v1/me\n<fp>\n<timestamp>\n<nonce>\n".
 * @param {object} privateKey
 * @param {string} fingerprint the account key's (40 hex)
 */
export async function getMe(privateKey, fingerprint) {
  const timestamp = nowInstant();
  const nonce = newNonce();
  const text = `GET ${SIGNED_PREFIX}me\n${fingerprint}\n${timestamp}\n${nonce}\n`;
  return signedGet('me', text,
    { 'Portal-Key': fingerprint, 'Portal-Timestamp': timestamp, 'Portal-Nonce': nonce },
    privateKey);
}

/**
 * GET /v1/receipts/<id>, signed over "GET /v1/receipts/<id>\n<mrn>\n<timestamp>\n<nonce>\n".
 * @param {string} id the receipt (32 hex)
 * @param {string} mrn the record it was sent for
 * @param {object} privateKey
 */
export async function getReceipt(id, mrn, privateKey) {
  const timestamp = nowInstant();
  const nonce = newNonce();
  const text = `GET ${SIGNED_PREFIX}receipts/${id}\n${mrn}\n${timestamp}\n${nonce}\n`;
  return signedGet(`receipts/${encodeURIComponent(id)}`, text,
    { 'Portal-Mrn': mrn, 'Portal-Timestamp': timestamp, 'Portal-Nonce': nonce }, privateKey);
}

/**
 * Fetches a sealed file of the site (a summary or a reply). `path` is absolute, or relative to
 * the site's home (GET me's "patients/<token>/..." form).
 * @param {string} path
 * @returns {Promise<{status: number, bytes: ?Uint8Array}>}
 */
export async function fetchSealed(path) {
  const where = path.startsWith('/') ? path : readConfig().pages.home + path;
  try {
    const res = await fetch(where, { credentials: 'omit', cache: 'no-cache', redirect: 'error' });
    if (!res.ok) return { status: res.status, bytes: null };
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
  } catch {
    return { status: 0, bytes: null };
  }
}

/**
 * One plain sentence for a failed call (never the server's raw detail).
 * @param {{status: number}} r a call's answer
 * @param {object} config the page config (for the help line)
 */
export function problemSentence(r, config) {
  const call = `Please call the ${config.help_line.name || 'help line'} at ` +
    `${config.help_line.display}.`;
  switch (r.status) {
    case 0: return 'We could not reach the portal. Check your connection and try again.';
    case 401: return 'That did not match our records.';
    case 403: return `Your account is locked. ${call}`;
    case 409: return 'That was already done, or is already in use.';
    case 413: return 'That is too long to send.';
    case 422: return 'Some details are not right. Please check them and try again.';
    case 429: return waitSentence(r.retryAfter);
    case 503: return 'The portal is busy or closed for upkeep. Please try again later.';
    default: return `Something went wrong. Please try again later, or ${call.charAt(0)
      .toLowerCase()}${call.slice(1)}`;
  }
}

/** "Please wait N minutes and try again." from a Retry-After in seconds. */
export function waitSentence(seconds) {
  if (!seconds || seconds <= 60) return 'Too many tries. Please wait a minute and try again.';
  const minutes = Math.ceil(seconds / 60);
  return `Too many tries. Please wait ${minutes} minutes and try again.`;
}
