// The app's boot: the page config, the one Trusted Types policy, the router, the nav and the
// idle lock. Before sign-in the page shows its own start screen (sign-in, register or recover:
// no hash routes); signed in, screens are hash routes (#/summary, #/messages, ...).
import { readConfig } from './config.js';
import { alert, announce, clear, focusHeading, h } from './dom.js';
import * as api from './api.js';
import * as keys from './crypto/keys.js';
import * as kdf from './crypto/kdf.js';
import { currentRecord, session, setIdleMinutes, signIn, signOut, signedIn } from './session.js';

let policy = null;

/**
 * The 'portal-summary' Trusted Types policy, made once at boot; used only to put a verified
 * summary or reply into an iframe's srcdoc. In a browser without Trusted Types it is a plain
 * pass-through with the same method.
 * @returns {{createHTML: function(string): *}}
 */
export function summaryPolicy() {
  if (!policy) {
    policy = window.trustedTypes
      ? window.trustedTypes.createPolicy('portal-summary', { createHTML: (s) => s })
      : { createHTML: (s) => s };
  }
  return policy;
}

const VIEWS = {
  'sign-in': () => import('./views/sign_in.js'),
  register: () => import('./views/register.js'),
  recover: () => import('./views/recover.js'),
  summary: () => import('./views/summary.js'),
  messages: () => import('./views/messages.js'),
  requests: () => import('./views/requests.js'),
  profile: () => import('./views/profile.js'),
  account: () => import('./views/account.js'),
};
const SIGNED_IN_ROUTES = ['summary', 'messages', 'requests', 'profile', 'account'];
const NAV = [
  ['summary', 'My summary'],
  ['messages', 'Messages'],
  ['requests', 'My requests'],
  ['profile', 'Profile changes'],
  ['account', 'Account'],
];

const slots = {};   // nav, records, status, view
let config = null;
let current = null;  // the route on screen
let cleanup = null;  // what the screen on show returned
let renderCount = 0;
let keepNotice = false;  // the next screen keeps the notice set for it

// The page's parts (the shell, app.mustache, has #portal-app > #view and #status; whatever is
// missing is made): the nav slot first in #portal-app, then a notice slot and the record
// switcher's slot, then #view.
function layout() {
  let appEl = document.getElementById('portal-app');
  if (!appEl) {
    appEl = h('div', { id: 'portal-app' });
    document.body.append(appEl);
  }
  const make = (id, tag, attrs, place) => {
    let el = document.getElementById(id);
    if (!el) {
      el = h(tag, { id, ...attrs });
      place(el);
    }
    return el;
  };
  slots.view = make('view', 'div', {}, (el) => appEl.append(el));
  slots.status = make('status', 'p', { class: 'status', role: 'status', 'aria-live': 'polite' },
    (el) => appEl.after(el));
  slots.nav = make('portal-nav', 'div', { class: 'portal-nav' }, (el) => appEl.prepend(el));
  slots.notice = make('notice', 'div', { class: 'notice', role: 'status' },
    (el) => slots.view.before(el));
  slots.records = make('records', 'div', { class: 'records' }, (el) => slots.view.before(el));
}

// A message that stays above the screen until the next one (e.g. the Logon ID after a reset);
// a live region itself, so it is said once without a copy in #status.
function setNotice(text) {
  // Never hidden: a live region must be in the page before its text comes to be announced.
  clear(slots.notice);
  if (text) slots.notice.append(h('p', {}, text));
}

function routeFromHash() {
  const m = /^#\/([a-z-]+)$/.exec(window.location.hash);
  return m && SIGNED_IN_ROUTES.includes(m[1]) ? m[1] : 'summary';
}

function dropHash() {
  if (window.location.hash) {
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
}

function renderNav() {
  clear(slots.nav);
  if (!signedIn()) return;
  const list = h('ul', { class: 'nav-links' });
  for (const [route, text] of NAV) {
    list.append(h('li', {},
      h('a', { href: `#/${route}`, 'aria-current': route === current ? 'page' : null }, text)));
  }
  slots.nav.append(h('nav', { 'aria-label': 'Portal', class: 'nav' }, list,
    h('button', { type: 'button', class: 'button secondary sign-out',
      onclick: () => signOut('user') }, 'Sign out')));
}

async function renderRecords() {
  clear(slots.records);
  if (!signedIn() || session.records.length < 2) return;
  try {
    const mod = await import('./views/records.js');
    await mod.render(slots.records, app);
  } catch {
    // The switcher is a convenience; the screen below still shows the first record.
  }
}

function titleFor(root) {
  const heading = root.querySelector('h1');
  const where = config.hospital.short_name || config.hospital.name;
  document.title = heading ? `${heading.textContent} – ${where} patient portal` : document.title;
}

// Shows `route`: the previous screen's cleanup, an empty #view, the new screen, its h1 focused.
async function show(route) {
  const mine = ++renderCount;
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // A screen's cleanup failing must not keep the next one from showing.
    }
    cleanup = null;
  }
  current = route;
  // What the last screen said ("Sent. Your receipt number is …") is not about the next one.
  announce('');
  if (!keepNotice) setNotice('');
  keepNotice = false;
  clear(slots.view);
  renderNav();
  if (SIGNED_IN_ROUTES.includes(route)) await renderRecords();
  else clear(slots.records);
  if (mine !== renderCount) return;
  try {
    const mod = await VIEWS[route]();
    if (mine !== renderCount) return;
    const done = await mod.render(slots.view, app);
    if (mine !== renderCount) {
      if (typeof done === 'function') done();
      return;
    }
    if (typeof done === 'function') cleanup = done;
  } catch (err) {
    if (mine !== renderCount) return;
    // The app's own errors name code, never a patient's data.
    console.error('portal: the screen failed:', route, err && err.name, err && err.message);
    clear(slots.view);
    slots.view.append(h('h1', {}, 'Something went wrong'));
    alert(slots.view, 'This page could not be shown. Please reload the page and try again.');
  }
  titleFor(slots.view);
  focusHeading(slots.view);
}

/**
 * Goes to a screen. Signed in: a hash route (or the same screen again). Signed out: one of the
 * start screens, in place.
 * @param {string} route
 */
function go(route) {
  if (signedIn() && SIGNED_IN_ROUTES.includes(route)) {
    if (window.location.hash === `#/${route}`) return show(route);
    window.location.hash = `#/${route}`;  // hashchange shows it
    return Promise.resolve();
  }
  if (!signedIn() && VIEWS[route] && !SIGNED_IN_ROUTES.includes(route)) return show(route);
  return show(signedIn() ? 'summary' : 'sign-in');
}

/**
 * GET me again; keeps the answer in session.me (and the records from it when it names them).
 * @returns {Promise<object>} the call's answer
 */
async function refreshMe() {
  const key = session.privateKey;
  const r = await api.getMe(key, session.fingerprint);
  if (r.ok && r.json && session.privateKey === key) {
    session.me = r.json;
    if (Array.isArray(r.json.records) && r.json.records.length > 0) {
      const mrn = session.records[session.current] && session.records[session.current].mrn;
      session.records = r.json.records.map(({ mrn: m, token, role, label }) =>
        ({ mrn: m, token, role, label }));
      const at = session.records.findIndex((rec) => rec.mrn === mrn);
      session.current = at >= 0 ? at : 0;
    }
  }
  return r;
}

/**
 * Signed in (after sign-in, registration or recovery): the state kept, the idle timer started,
 * GET me asked, then `route` (My summary by default). `notice` stays above that screen (and is
 * said, as a live region).
 * @param {{logonId: ?string, fingerprint: string, privateKey: object, records: Array}} state
 * @param {{route?: string, notice?: string}} [options]
 */
async function enter(state, { route = 'summary', notice = '' } = {}) {
  signIn(state);
  await refreshMe();
  if (!signedIn()) return;
  if (notice) {
    setNotice(notice);
    keepNotice = true;
  }
  await go(route);
}

/** The object every screen gets. */
const app = {
  get config() { return config; },
  session,
  api,
  keys,
  kdf,
  go,
  announce,
  enter,
  refreshMe,
  currentRecord,
  reload: () => show(current),
  get route() { return current; },
  summaryPolicy,
};

function onSignedOut(event) {
  const reason = event.detail && event.detail.reason;
  dropHash();
  show('sign-in').then(() => {
    announce(reason === 'idle'
      ? `You were signed out after ${config.idle_minutes} minutes without activity.`
      : 'You are signed out.');
  });
}

function onHashChange() {
  if (!signedIn()) {
    dropHash();
    return;
  }
  show(routeFromHash());
}

function boot() {
  const appEl = document.getElementById('portal-app');
  if (!appEl) return;
  try {
    config = readConfig();
  } catch (err) {
    layout();
    slots.view.append(h('h1', {}, 'Patient portal'));
    alert(slots.view, err.message);
    return;
  }
  layout();
  setIdleMinutes(config.idle_minutes);
  summaryPolicy();
  window.addEventListener('portal:signed-out', onSignedOut);
  window.addEventListener('hashchange', onHashChange);
  // A fragment on arrival is the register page's #code=… (its screen reads and removes it).
  // Loaded ahead, while the patient types: the first Argon2 or key use then waits for nothing.
  keys.openpgp().catch(() => {});
  show(config.start);
}

boot();
