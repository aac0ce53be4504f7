// The record switcher ("Whose record"): an account may hold the patient's own record and the
// records of people they are a proxy for. Shown above the screen only when there is a choice.
import { field } from '../dom.js';
import { session } from '../session.js';

/**
 * How a record is named to the account holder: "You" for their own, the label staff gave for
 * a proxy's ("Dana (child)").
 * @param {{role: string, label: string}} record
 * @returns {string}
 */
export function recordName(record) {
  if (record.role === 'self') return 'You';
  return record.label || 'Another person';
}

/**
 * The switcher for session.records, or null when the account holds one record (or none).
 * Choosing another record sets session.current and calls `onSwitch()`, which reloads the
 * current screen.
 * @param {() => void} onSwitch
 * @returns {HTMLElement|null}
 */
export function recordSwitcher(onSwitch) {
  const records = session.records || [];
  if (records.length < 2) return null;
  const { wrapper, input } = field({
    label: 'Whose record',
    name: 'record',
    as: 'select',
    options: records.map((r, i) => ({ value: String(i), text: recordName(r) })),
    value: String(session.current || 0),
  });
  wrapper.classList.add('record-switcher');
  input.addEventListener('change', () => {
    const next = Number(input.value);
    if (!Number.isInteger(next) || next < 0 || next >= records.length) return;
    session.current = next;
    onSwitch();
  });
  return wrapper;
}

/**
 * The screen contract's form (main.js calls it for the slot above #view): the switcher, whose
 * change reloads the current screen (app.reload).
 * @param {HTMLElement} root
 * @param {object} app
 */
export async function render(root, app) {
  renderSwitcher(root, () => (app.reload ? app.reload() : app.go(app.route || 'summary')));
}

/**
 * Puts the switcher into `slot` (emptied first; hidden when there is no choice).
 * @param {HTMLElement} slot
 * @param {() => void} onSwitch
 */
export function renderSwitcher(slot, onSwitch) {
  while (slot.firstChild) slot.firstChild.remove();
  const switcher = recordSwitcher(onSwitch);
  slot.hidden = !switcher;
  if (switcher) slot.append(switcher);
}
