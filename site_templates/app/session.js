// The signed-in state. Memory only: never localStorage, sessionStorage, cookies or IndexedDB,
// so closing the tab, signing out or the idle lock leaves nothing behind.
import { forgetKey } from './crypto/keys.js';

/** The one signed-in state; every field is null/empty when signed out. */
export const session = {
  logonId: null,
  fingerprint: null,
  privateKey: null,
  records: [],  // [{mrn, token, role, label}] from sessions (or GET me after sign-up)
  current: 0,
  me: null,     // the last GET me answer
};

const INPUTS = ['pointerdown', 'keydown', 'touchstart', 'wheel', 'input'];
let idleMs = 15 * 60 * 1000;
let lastInput = 0;
let timer = null;

function noteInput() {
  lastInput = Date.now();
}

// Checks when the deadline should have come; input since then moves the deadline on. Reading
// Date.now() (not counting timers) keeps a phone that slept past the deadline locked.
function schedule() {
  clearTimeout(timer);
  const left = lastInput + idleMs - Date.now();
  if (left <= 0) {
    signOut('idle');
    return;
  }
  timer = setTimeout(schedule, Math.min(left, 30 * 1000));
}

function onVisible() {
  if (document.visibilityState === 'visible' && signedIn()) schedule();
}

/** Minutes without input before the idle lock (the page config's idle_minutes). */
export function setIdleMinutes(minutes) {
  idleMs = minutes * 60 * 1000;
}

/** True while a key is in memory. */
export function signedIn() {
  return session.privateKey !== null;
}

/**
 * Sets the signed-in fields from `state` ({logonId, fingerprint, privateKey, records, me?}) and
 * starts the idle timer; any pointer, key or touch input resets it.
 */
export function signIn(state) {
  if (session.privateKey && session.privateKey !== state.privateKey) {
    forgetKey(session.privateKey);
  }
  Object.assign(session, { current: 0, me: null }, state);
  noteInput();
  for (const name of INPUTS) {
    document.addEventListener(name, noteInput, { capture: true, passive: true });
  }
  document.addEventListener('visibilitychange', onVisible);
  schedule();
}

/**
 * Wipes the key, the records and GET me's answer, stops the idle timer, and dispatches
 * 'portal:signed-out' on window with detail {reason} ('user' | 'idle') so the page drops every
 * screen and decrypted page.
 * @param {'user'|'idle'} reason
 */
export function signOut(reason) {
  clearTimeout(timer);
  timer = null;
  for (const name of INPUTS) document.removeEventListener(name, noteInput, { capture: true });
  document.removeEventListener('visibilitychange', onVisible);
  const wasSignedIn = signedIn();
  forgetKey(session.privateKey);
  session.logonId = null;
  session.fingerprint = null;
  session.privateKey = null;
  session.records = [];
  session.current = 0;
  session.me = null;
  if (wasSignedIn || reason === 'user') {
    window.dispatchEvent(new CustomEvent('portal:signed-out', { detail: { reason } }));
  }
}

/**
 * The record being looked at: session.records[session.current] merged with GET me's entry for
 * the same MRN (summary, summary_path, replies, requests…), or null.
 */
export function currentRecord() {
  const record = session.records[session.current];
  if (!record) return null;
  const mine = session.me && Array.isArray(session.me.records)
    ? session.me.records.find((r) => r.mrn === record.mrn) : null;
  return { ...record, ...(mine || {}) };
}
