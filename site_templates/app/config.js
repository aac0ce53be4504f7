// The page's configuration: one JSON object in #portal-app's data-config attribute, written by
// the site build (portal-gen site). Checked here once, so every screen can rely on its shape.

const STARTS = ['sign-in', 'register', 'recover'];
const NOT_SET_UP = 'The patient portal is not set up on this page. Please try again later.';

let cached = null;

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isText(v) {
  return typeof v === 'string' && v.length > 0;
}

function isCount(v) {
  return Number.isInteger(v) && v > 0;
}

// Throws the one plain message; `what` names the broken part for the developer's console
// only through the Error's `cause` (no patient data can be in a page config).
function need(ok, what) {
  if (!ok) throw new Error(NOT_SET_UP, { cause: what });
}

function check(c) {
  need(isObject(c), 'config');
  need(STARTS.includes(c.start), 'start');
  need(isObject(c.hospital) && isText(c.hospital.name), 'hospital');
  need(isObject(c.help_line) && isText(c.help_line.display) && isText(c.help_line.tel),
    'help_line');
  need(isObject(c.pages), 'pages');
  for (const k of ['home', 'sign_in', 'register', 'recover']) {
    need(isText(c.pages[k]), `pages.${k}`);
  }
  need(isText(c.mailbox) && c.mailbox.startsWith('/') && c.mailbox.endsWith('/'), 'mailbox');
  need(isObject(c.mrn) && isText(c.mrn.pattern), 'mrn');
  need(Array.isArray(c.providers), 'providers');
  need(Array.isArray(c.profile_fields), 'profile_fields');
  need(isObject(c.limits) && isCount(c.limits.subject_chars) && isCount(c.limits.body_chars),
    'limits');
  need(isObject(c.kdf) && isCount(c.kdf.t) && isCount(c.kdf.m) && isCount(c.kdf.p), 'kdf');
  need(isCount(c.idle_minutes), 'idle_minutes');
  need(isObject(c.signing_key) && isText(c.signing_key.url) &&
    /^[0-9A-Fa-f]{40}$/.test(c.signing_key.fingerprint || ''), 'signing_key');
  need(isObject(c.vendor) && isText(c.vendor.openpgp) && isText(c.vendor.argon2id), 'vendor');
}

/**
 * Reads and checks the page config (read once, then the same object every call).
 * @returns {object} the config (see the design's "The page config")
 * @throws {Error} with a plain message when it is absent or incomplete
 */
export function readConfig() {
  if (cached) return cached;
  const el = document.getElementById('portal-app');
  need(el && el.dataset.config, 'data-config');
  let parsed;
  try {
    parsed = JSON.parse(el.dataset.config);
  } catch {
    need(false, 'data-config JSON');
  }
  check(parsed);
  cached = Object.freeze(parsed);
  return cached;
}
