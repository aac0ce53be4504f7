// "My requests": the messages and profile changes this account sent for the record, newest
// first, with where each one is now. GET me lists them; an item it gives no state for is asked
// about with a signed receipt query.
import { focusHeading, h } from '../dom.js';
import { currentRecord, session } from '../session.js';
import { longDateTime, refreshMe } from './summary.js';

/** What each kind of item is called. */
export const KIND_WORDS = { message: 'Message', 'profile-change': 'Profile change' };

/** Where an item is, in plain words (the queue's FHIR Task states). */
export const STATE_WORDS = {
  requested: 'Sent',
  received: 'Waiting to be read',
  accepted: 'Accepted',
  rejected: 'Not accepted',
  completed: 'Done',
};

/**
 * The words for a state; unknown and missing states are said as such.
 * @param {string|null|undefined} state
 * @returns {string}
 */
export function stateWords(state) {
  if (!state) return 'Not known yet';
  return STATE_WORDS[state] || 'Not known yet';
}

// GET me lists them per record (what this account's key sent for it).
function requestsOf(me, record) {
  if (record && Array.isArray(record.requests)) return record.requests;
  if (me && Array.isArray(me.requests)) return me.requests;
  return [];
}

// The state GET me gave, or the receipt's own answer (404: the item is no longer kept).
async function stateOf(app, item, record) {
  if (item.state) return stateWords(item.state);
  const mrn = item.mrn || (record && record.mrn);
  if (!mrn) return stateWords(null);
  const r = await app.api.getReceipt(item.receipt, mrn, session.privateKey);
  if (r.ok && r.json) return stateWords(r.json.status);
  if (r.status === 404) return 'No longer kept';
  return stateWords(null);
}

function sentWords(item, config) {
  const when = item.sent_at ? new Date(item.sent_at) : null;
  return when && !Number.isNaN(when.getTime()) ? longDateTime(when, config) : '';
}

/** Renders the screen into `root`. */
export async function render(root, app) {
  const heading = h('h1', {}, 'My requests');
  const slot = h('div', { 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
  root.append(heading, slot);
  focusHeading(root);
  await refreshMe(app);
  const record = currentRecord();
  const items = requestsOf(session.me, record);
  const states = await Promise.all(items.map((item) => stateOf(app, item, record)));
  while (slot.firstChild) slot.firstChild.remove();
  slot.removeAttribute('aria-busy');
  if (items.length === 0) {
    slot.append(h('p', { class: 'state' }, 'You have not sent anything yet.'));
    return;
  }
  const rows = items.map((item, i) => h('tr', {},
    // data-label: the column's name, shown beside each value when a phone stacks the rows.
    h('td', { class: 'receipt-id', 'data-label': 'Receipt' }, item.receipt || ''),
    h('td', { 'data-label': 'What' }, KIND_WORDS[item.kind] || 'Request'),
    h('td', { 'data-label': 'Sent' }, sentWords(item, app.config)),
    h('td', { class: `state-${item.state || 'unknown'}`, 'data-label': 'State' }, states[i])));
  const col = (text) => h('th', { scope: 'col' }, text);
  slot.append(h('div', { class: 'table-scroll', role: 'region', tabindex: '0',
    'aria-labelledby': 'requests-caption' },
  h('table', { class: 'requests' },
    h('caption', { id: 'requests-caption' }, 'Messages and requests you sent'),
    h('thead', {}, h('tr', {}, col('Receipt'), col('What'), col('Sent'), col('State'))),
    h('tbody', {}, rows))));
}
