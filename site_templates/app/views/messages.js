// "Write to a provider": a message to one of the participating providers (the config's list,
// as the FAQ gives it), signed by the patient's key over the exact bytes posted; the receipt
// number shown once the mailbox has it.
import { alert, announce, busy, field, focusHeading, h } from '../dom.js';
import { currentRecord, session } from '../session.js';
import { MESSAGE_LIMITS, charCount, checkMessage } from '../validate.js';

/**
 * The sentence for a request the mailbox did not take (never the server's own detail).
 * @param {{status: number, retryAfter: ?number}} r  an api.js result
 * @param {object} [api]  api.js (its waitSentence for a 429)
 * @returns {string}
 */
export function sendFailure(r, api) {
  switch (r.status) {
    case 0: return 'We could not reach the portal. Nothing was sent. Check your connection and '
      + 'try again.';
    case 401:
    case 403: return 'The portal did not accept your key. Nothing was sent. Please sign out, '
      + 'sign in again and try again.';
    case 409: return 'This was sent twice. Nothing more was sent. Please try again.';
    case 413: return 'This is too long to send. Please make it shorter.';
    case 429: return `Nothing was sent. ${api && api.waitSentence ? api.waitSentence(r.retryAfter)
      : 'Too many tries. Please wait a minute and try again.'}`;
    case 503: return 'The portal cannot take requests right now. Nothing was sent. Please try '
      + 'again later.';
    default: return 'Something went wrong. Nothing was sent. Please try again later.';
  }
}

/**
 * The field a refusal names (a 422's `field`), or '' when it names none.
 * @param {object} r  an api.js result
 * @returns {string}
 */
export function refusedField(r) {
  if (r.status !== 422) return '';
  const problem = r.problem || r.json || {};
  return typeof problem.field === 'string' ? problem.field : '';
}

/**
 * The receipt paragraph and the #status line: "Sent. Your receipt number is <receipt>."
 * @param {HTMLElement} slot  emptied and filled
 * @param {string} receipt
 */
export function showReceipt(slot, receipt) {
  const text = `Sent. Your receipt number is ${receipt}.`;
  while (slot.firstChild) slot.firstChild.remove();
  slot.append(h('p', { class: 'receipt' }, text),
    h('p', {}, 'You can see what happens to it under "My requests".'));
  slot.hidden = false;
  announce(text);
}

// "N characters left" under a field, and the same said to screen readers once typing pauses.
function counter(spec, input, max, live) {
  const hint = spec.wrapper.querySelector('.hint');
  let timer = null;
  const words = () => {
    const left = max - charCount(input.value);
    if (left >= 0) return `${left} ${left === 1 ? 'character' : 'characters'} left`;
    return `${-left} ${left === -1 ? 'character' : 'characters'} too many`;
  };
  const update = () => {
    hint.textContent = words();
    hint.classList.toggle('over', charCount(input.value) > max);
    clearTimeout(timer);
    timer = setTimeout(() => { live.textContent = words(); }, 1000);
  };
  input.addEventListener('input', update);
  update();
  live.textContent = '';
  return update;
}

/** Renders the screen into `root`. */
export async function render(root, app) {
  const config = app.config;
  const limits = {
    subject: (config.limits && config.limits.subject_chars) || MESSAGE_LIMITS.subjectChars,
    body: (config.limits && config.limits.body_chars) || MESSAGE_LIMITS.bodyChars,
  };
  const providers = config.providers || [];
  const to = field({ label: 'Provider', name: 'to', as: 'select', required: true,
    options: [{ value: '', text: 'Choose a provider' },
      ...providers.map((p) => ({ value: p.id, text: p.name }))] });
  const subject = field({ label: 'Subject', name: 'subject', autocomplete: 'off',
    hint: ' ', required: true });
  const body = field({ label: 'Message', name: 'body', as: 'textarea', rows: 10,
    hint: ' ', required: true });
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'button' }, 'Send message');
  const receipt = h('div', { class: 'receipt-box', hidden: true });
  const form = h('form', { class: 'stack', novalidate: true },
    to.wrapper, subject.wrapper, body.wrapper, live, h('div', { class: 'button-row' }, send));
  const updates = [counter(subject, subject.input, limits.subject, live),
    counter(body, body.input, limits.body, live)];
  const fields = { to, subject, body };
  for (const f of Object.values(fields)) {
    f.input.addEventListener(f === to ? 'change' : 'input', () => f.setError(null));
  }

  const fail = (problems, general) => {
    for (const f of Object.values(fields)) f.setError(null);
    for (const p of problems) fields[p.field].setError(p.message);
    alert(form, general || (problems.length ? 'Please correct the marked fields.' : null));
    const first = problems.find((p) => fields[p.field]);
    if (first) fields[first.field].input.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    receipt.hidden = true;
    const record = currentRecord();
    const problems = [];
    if (!providers.some((p) => p.id === to.input.value)) {
      problems.push({ field: 'to', message: 'Choose a provider.' });
    }
    problems.push(...checkMessage({ subject: subject.input.value, body: body.input.value }));
    if (problems.length || !record) {
      fail(problems, record ? null : 'There is no record to write from.');
      return;
    }
    fail([]);
    const message = { version: 1, mrn: record.mrn, to: to.input.value,
      subject: subject.input.value, body: body.input.value, nonce: app.api.newNonce(),
      timestamp: app.api.nowInstant() };
    const r = await busy(send, 'Sending…',
      () => app.api.postSigned('messages', message, session.privateKey));
    if (r.ok && r.json && r.json.receipt) {
      form.reset();
      for (const update of updates) update();
      showReceipt(receipt, r.json.receipt);
      return;
    }
    announce('');
    const named = refusedField(r);
    const words = { to: 'Choose one of the listed providers.',
      subject: `Use 1 to ${limits.subject} characters.`,
      body: `Use 1 to ${limits.body} characters.` };
    if (words[named]) fail([{ field: named, message: words[named] }]);
    else fail([], sendFailure(r, app.api));
  });

  root.append(h('h1', {}, 'Write to a provider'),
    h('p', {}, 'Messages can go only to the providers listed here. Please do not use them in '
      + 'an emergency: call 911.'),
    form, receipt);
  focusHeading(root);
}
