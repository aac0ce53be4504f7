// "Ask for a profile change": one fieldset per profile field the config lists (the FAQ's list),
// each optional. Only what the patient filled in is sent, checked first as the daemon checks it
// (validate.js), as {version: 1, mrn, changes: {...}, nonce, timestamp}, signed by their key.
// Medical Records decide; nothing changes on the record until they have.
import { alert, busy, field, focusHeading, h, uid } from '../dom.js';
import { currentRecord, session } from '../session.js';
import { MARITAL_STATUSES, PHONE_USES, PROFILE_FIELD_IDS, checkChanges } from '../validate.js';
import { refusedField, sendFailure, showReceipt } from './messages.js';

const MAX_PHONE_ROWS = 5;

// Where a message for a daemon path goes: the path's own control, or the nearest enclosing one
// ("changes.address.lines[1]" → "changes.address.lines" → "changes.address").
class Marks {
  constructor() {
    this.map = new Map();
  }

  add(path, target) {
    this.map.set(path, target);
  }

  find(path) {
    for (let p = path; p; p = parentPath(p)) {
      if (this.map.has(p)) return this.map.get(p);
    }
    return null;
  }
}

function parentPath(path) {
  const m = path.match(/^(.*)(\.[^.[\]]+|\[\d+\])$/);
  return m ? m[1] : '';
}

// A message slot for a whole fieldset ("Add an address, a phone number or both.").
function groupTarget(fieldset, legend) {
  const id = uid('group-error');
  const error = h('p', { class: 'field-error', id, hidden: true });
  legend.after(error);
  return {
    setError(text) {
      error.textContent = text || '';
      error.hidden = !text;
      if (text) fieldset.setAttribute('aria-describedby', id);
      else fieldset.removeAttribute('aria-describedby');
    },
    focus() {
      const first = fieldset.querySelector('input, select, textarea');
      if (first) first.focus();
    },
  };
}

function fieldTarget(f) {
  return { setError: f.setError, focus: () => f.input.focus() };
}

function fieldset(legendText, className, ...children) {
  const legend = h('legend', {}, legendText);
  const set = h('fieldset', { class: className }, legend, ...children);
  return { set, group: groupTarget(set, legend) };
}

const typed = (f) => f.input.value.trim();

// The parts of the form: each has `element`, `targets` (every message slot it owns) and
// collect(marks, path) → the value to send, or undefined when nothing was filled in.

function choicePart(label) {
  const f = field({ label, name: uid('marital'), as: 'select',
    options: [{ value: '', text: 'No change' },
      ...MARITAL_STATUSES.map((s) => ({ value: s.code, text: s.text }))] });
  return { element: f.wrapper, targets: [fieldTarget(f)],
    collect(marks, path) {
      marks.add(path, fieldTarget(f));
      return f.input.value || undefined;
    } };
}

function textPart(label, spec = {}) {
  const f = field({ label, name: uid('text'), ...spec });
  return { element: f.wrapper, targets: [fieldTarget(f)],
    collect(marks, path) {
      marks.add(path, fieldTarget(f));
      return typed(f) || undefined;
    } };
}

// `own`: the patient's own address (the browser may fill it in), not a contact person's.
function addressPart(own) {
  const ac = (token) => (own ? token : 'off');
  const lines = [
    field({ label: 'Street address', name: uid('line'), autocomplete: ac('address-line1') }),
    field({ label: 'Address line 2 (optional)', name: uid('line'),
      autocomplete: ac('address-line2') }),
    field({ label: 'Address line 3 (optional)', name: uid('line'),
      autocomplete: ac('address-line3') }),
  ];
  const parts = {
    city: field({ label: 'City or town', name: uid('city'), autocomplete: ac('address-level2') }),
    state: field({ label: 'State', name: uid('state'), autocomplete: ac('address-level1') }),
    postal_code: field({ label: 'ZIP code', name: uid('zip'), autocomplete: ac('postal-code'),
      hint: 'Or the postal code outside the United States.' }),
    country: field({ label: 'Country (only if not in the US)', name: uid('country'),
      autocomplete: ac('country-name') }),
  };
  const all = [...lines, ...Object.values(parts)];
  return { elements: all.map((f) => f.wrapper), targets: all.map(fieldTarget),
    collect(marks, path) {
      if (all.every((f) => !typed(f))) return undefined;
      const value = { lines: [] };
      marks.add(`${path}.lines`, fieldTarget(lines[0]));
      for (const f of lines) {
        if (!typed(f)) continue;
        marks.add(`${path}.lines[${value.lines.length}]`, fieldTarget(f));
        value.lines.push(typed(f));
      }
      for (const [key, f] of Object.entries(parts)) {
        marks.add(`${path}.${key}`, fieldTarget(f));
        if (typed(f)) value[key] = typed(f);
      }
      return value;
    } };
}

function phonesPart(own) {
  const rows = [];
  const list = h('div', { class: 'phone-rows' });
  const more = h('button', { type: 'button', class: 'button secondary' },
    'Add another phone number');
  const targets = [];
  const addRow = () => {
    const n = rows.length + 1;
    const use = field({ label: 'Type of phone', name: uid('use'), as: 'select',
      options: PHONE_USES.map((u) => ({ value: u.code, text: u.text })),
      value: n === 1 ? 'home' : 'mobile' });
    const number = field({ label: 'Phone number', name: uid('tel'), type: 'tel',
      inputmode: 'tel', autocomplete: own ? 'tel' : 'off' });
    const { set, group } = fieldset(`Phone ${n}`, 'phone-row', use.wrapper, number.wrapper);
    rows.push({ use, number, group });
    targets.push(fieldTarget(use), fieldTarget(number), group);
    list.append(set);
    more.hidden = rows.length >= MAX_PHONE_ROWS;
    return number;
  };
  addRow();
  more.addEventListener('click', () => addRow().input.focus());
  return { element: h('div', { class: 'phones' }, list, more), targets,
    collect(marks, path) {
      marks.add(path, fieldTarget(rows[0].number));
      const filled = rows.filter((r) => typed(r.number));
      if (filled.length === 0) return undefined;
      return filled.map((r, i) => {
        marks.add(`${path}[${i}]`, r.group);
        marks.add(`${path}[${i}].use`, fieldTarget(r.use));
        marks.add(`${path}[${i}].number`, fieldTarget(r.number));
        return { use: r.use.input.value, number: typed(r.number) };
      });
    } };
}

// Next of kin or person to notify: a name, and an address, phone numbers or both.
function contactPart() {
  const name = field({ label: 'Name', name: uid('name'), autocomplete: 'off' });
  const address = addressPart(false);
  const phones = phonesPart(false);
  const addressSet = fieldset('Their address', 'sub-address', ...address.elements);
  const phoneSet = fieldset('Their phone numbers', 'sub-phones', phones.element);
  return {
    element: [name.wrapper, addressSet.set, phoneSet.set],
    targets: [fieldTarget(name), addressSet.group, phoneSet.group, ...address.targets,
      ...phones.targets],
    collect(marks, path) {
      marks.add(`${path}.address`, addressSet.group);
      marks.add(`${path}.phones`, phoneSet.group);
      const a = address.collect(marks, `${path}.address`);
      const p = phones.collect(marks, `${path}.phones`);
      marks.add(`${path}.name`, fieldTarget(name));
      if (!typed(name) && a === undefined && p === undefined) return undefined;
      const value = {};
      if (typed(name)) value.name = typed(name);
      if (a !== undefined) value.address = a;
      if (p !== undefined) value.phones = p;
      return value;
    },
  };
}

// One config field's fieldset and its part.
function profileField(id, label) {
  const { set, group } = fieldset(label, `profile-field field-${id}`);
  let part;
  if (id === 'marital_status') part = choicePart(label);
  else if (id === 'race' || id === 'religion') part = textPart(label, { autocomplete: 'off' });
  else if (id === 'email') {
    part = textPart(label, { type: 'email', autocomplete: 'email', spellcheck: 'false',
      autocapitalize: 'off' });
  } else if (id === 'address') {
    const a = addressPart(true);
    part = { element: a.elements, targets: a.targets, collect: a.collect };
  } else if (id === 'phone_numbers') part = phonesPart(true);
  else part = contactPart();
  set.append(...[part.element].flat());
  const path = `changes.${id}`;
  return { id, element: set, targets: [group, ...part.targets],
    collect(marks) {
      marks.add(path, group);
      return part.collect(marks, path);
    } };
}

/** Renders the screen into `root`. */
export async function render(root, app) {
  const listed = (app.config.profile_fields || []);
  const allowed = listed.map((f) => f.id);
  const fields = listed.filter((f) => PROFILE_FIELD_IDS.includes(f.id))
    .map((f) => profileField(f.id, f.label));
  const send = h('button', { type: 'submit', class: 'button' }, 'Send request');
  const receipt = h('div', { class: 'receipt-box', hidden: true });
  const form = h('form', { class: 'stack profile-form', novalidate: true },
    ...fields.map((f) => f.element), h('div', { class: 'button-row' }, send));
  const targets = fields.flatMap((f) => f.targets);

  // Marks every problem's control (its first message only) and focuses the first.
  const show = (problems, marks, general) => {
    for (const t of targets) t.setError(null);
    const marked = new Set();
    let first = null;
    for (const p of problems) {
      const target = marks.find(p.field);
      if (!target) {
        general = general || p.message;
        continue;
      }
      if (marked.has(target)) continue;
      marked.add(target);
      target.setError(p.message);
      first = first || target;
    }
    const summary = marked.size === 1 ? 'Please correct the marked field.'
      : 'Please correct the marked fields.';
    alert(form, general || (marked.size ? summary : null));
    if (first) first.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    receipt.hidden = true;
    const marks = new Marks();
    const changes = {};
    for (const f of fields) {
      const value = f.collect(marks);
      if (value !== undefined) changes[f.id] = value;
    }
    const record = currentRecord();
    if (!record) {
      show([], marks, 'There is no record to change.');
      return;
    }
    if (Object.keys(changes).length === 0) {
      show([], marks, 'Fill in at least one thing to change.');
      return;
    }
    const problems = checkChanges(changes, allowed);
    if (problems.length) {
      show(problems, marks);
      return;
    }
    show([], marks);
    const body = { version: 1, mrn: record.mrn, changes, nonce: app.api.newNonce(),
      timestamp: app.api.nowInstant() };
    const r = await busy(send, 'Sending…',
      () => app.api.postSigned('profile-changes', body, session.privateKey));
    if (r.ok && r.json && r.json.receipt) {
      form.reset();
      showReceipt(receipt, r.json.receipt);
      return;
    }
    const named = refusedField(r);
    if (named && marks.find(named)) {
      show([{ field: named, message: 'Please check what you typed here.' }], marks,
        'The portal could not take this request. Please check the marked field.');
    } else {
      show([], marks, sendFailure(r, app.api));
    }
  });

  root.append(h('h1', {}, 'Ask for a profile change'),
    h('p', { class: 'note' },
      'Changes must be accepted by Medical Records and do not appear in real time.'),
    h('p', {}, 'Fill in only what you want to change. Leave the rest empty.'),
    form, receipt);
  focusHeading(root);
}
