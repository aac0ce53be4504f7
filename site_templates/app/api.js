// Every call to the mailbox daemon. Calls answer {status, ok, json, problem} and never throw
// on HTTP errors (a network failure is status 0).

/** POST `route` with `body` signed by `privateKey` (detached binary signature). */
export async function postSigned(route, body, privateKey) {
  void route; void body; void privateKey;
  return { status: 0, ok: false, json: null, problem: null };
}

/** POST `route` with `body`, unsigned (prelogin, sessions, registrations, recoveries). */
export async function postPlain(route, body) {
  void route; void body;
  return { status: 0, ok: false, json: null, problem: null };
}

/** Signed GET /v1/me. */
export async function getMe(privateKey, fingerprint) {
  void privateKey; void fingerprint;
  return { status: 0, ok: false, json: null, problem: null };
}

/** Signed GET /v1/receipts/<id> for `mrn`. */
export async function getReceipt(id, mrn, privateKey) {
  void id; void mrn; void privateKey;
  return { status: 0, ok: false, json: null, problem: null };
}

/** Fetches a sealed file under the site: {status, bytes: Uint8Array|null}. */
export async function fetchSealed(path) {
  void path;
  return { status: 0, bytes: null };
}

/** 16 random bytes, base64url without padding. */
export function newNonce() {
  return '';
}

/** Now as a FHIR instant in UTC without fractions. */
export function nowInstant() {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}
