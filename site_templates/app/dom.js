// The app's only way to make DOM: elements with attributes and text nodes, never HTML strings
// (the pages require Trusted Types for script sinks, and text from a record or the server is
// always text). Helpers for the accessible patterns every screen shares.

let nextId = 0;

// h('p', {class: 'note'}, 'text', child, ...): attributes by name; `on<event>` keys attach
// listeners; `hidden`/`disabled`/`checked`/`required` true|false; children are nodes, strings
// (text nodes), arrays, or null/false (skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'value') {
      el.value = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// A labelled form control with a hint and an error slot:
// field({label: 'Logon ID', name: 'logon_id', autocomplete: 'username', hint: '...'}).
// `as`: 'input' (default), 'textarea' or 'select' (with `options: [{value, text}]`).
// Returns {wrapper, input, setError(text|null)}.
export function field(spec) {
  const id = uid(spec.name || 'f');
  const hintId = spec.hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const tag = spec.as || 'input';
  const attrs = {
    id,
    name: spec.name,
    autocomplete: spec.autocomplete,
    required: spec.required || false,
    maxlength: spec.maxlength,
    inputmode: spec.inputmode,
    spellcheck: spec.spellcheck,
    autocapitalize: spec.autocapitalize,
    'aria-describedby': hintId,
  };
  if (tag === 'input') attrs.type = spec.type || 'text';
  if (tag === 'textarea') attrs.rows = spec.rows || 8;
  const input = h(tag, attrs);
  if (tag === 'select') {
    for (const o of spec.options || []) input.append(h('option', { value: o.value }, o.text));
  }
  if (spec.value !== undefined) input.value = spec.value;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const wrapper = h('div', { class: 'field' },
    h('label', { for: id }, spec.label),
    spec.hint ? h('p', { class: 'hint', id: hintId }, spec.hint) : null,
    error, input);
  function setError(text) {
    if (text) {
      error.textContent = text;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
    } else {
      error.textContent = '';
      error.hidden = true;
      input.removeAttribute('aria-invalid');
      if (hintId) input.setAttribute('aria-describedby', hintId);
      else input.removeAttribute('aria-describedby');
    }
  }
  return { wrapper, input, setError };
}

// Progress and success words for screen readers and everyone (#status, aria-live=polite).
export function announce(text) {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = '';
  if (text) status.textContent = text;
}

// An error box (role=alert) that replaces `container`'s previous one; null clears it.
export function alert(container, text) {
  let box = container.querySelector(':scope > .alert');
  if (!text) {
    if (box) box.remove();
    return null;
  }
  if (!box) {
    box = h('div', { class: 'alert', role: 'alert' });
    container.prepend(box);
  }
  box.textContent = text;
  return box;
}

// Focus the screen's h1 so keyboard and screen-reader users start at the new screen's top.
export function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus();
}

// Marks `button` busy while `work` runs (disabled, aria-busy, its text replaced by `text`), and
// says `text` in #status. Returns what `work` returns; always restores the button.
export async function busy(button, text, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = text;
  announce(text);
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = label;
  }
}

// Removes every child of `el`.
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}
