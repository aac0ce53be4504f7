// Forgot Password: a code e-mailed to the address on the record, then a new key and password
// (the old key cannot be opened without the old password). The daemon pins the new key in
// place of the old; the next nightly run seals the summary to it.
import { busy, clear, h } from '../dom.js';
import {
  birthDateField, birthDateProblem, CODE_SENT, codeRequestForm, confirmProblem, mailedCode,
  mailedCodeField, newAccountKey, newPasswordFields, passwordProblem, showErrors,
  showFailure,
} from './forms.js';
import { activationFailure } from './register.js';


/** Renders the Reset your password screen into `root`. */
export async function render(root, app) {
  const body = h('div', { class: 'steps' });
  root.append(h('h1', {}, 'Reset your password'), body);
  const state = { mrn: '' };

  function step(build) {
    clear(body);
    build(body);
    const first = body.querySelector('input, select, button');
    if (first) first.focus();
  }

  function ask() {
    step((el) => {
      el.append(
        h('p', {}, 'We will e-mail a code to the address the hospital has on your record. ' +
          'With it you choose a new password; your Logon ID stays the same.'),
        codeRequestForm(app, 'recoveries', (mrn, sent) => {
          state.mrn = mrn;
          details(sent ? CODE_SENT : '');
        }),
        h('p', {}, 'Remembered it? ', h('a', { href: app.config.pages.sign_in }, 'Sign in'), '.'));
    });
  }

  function details(sentMessage) {
    step((el) => {
      const code = mailedCodeField();
      const dob = birthDateField();
      const { password, confirm } = newPasswordFields(true);
      const reset = h('button', { type: 'submit', class: 'button' }, 'Reset password');
      const form = h('form', { class: 'form', novalidate: true }, code.wrapper, dob.wrapper,
        password.wrapper, confirm.wrapper, reset);
      const fields = { code, dob, password, confirm };
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const values = {
          code: mailedCode(code.input.value.trim()),
          birth_date: dob.input.value,
          password: password.input.value,
        };
        const ok = showErrors(form, fields, {
          code: !values.code ? 'Enter the code from the e-mail.'
            : /^\d{8}$/.test(values.code) ? null : 'The code from the e-mail is 8 digits.',
          dob: birthDateProblem(values.birth_date),
          password: passwordProblem(values.password),
          confirm: confirmProblem(values.password, confirm.input.value),
        });
        if (!ok) return;
        const failure = await busy(reset, 'Making your key…',
          () => resetKey(app, values, state.mrn, reset));
        if (failure) showFailure(app, form, fields, failure);
      });
      if (sentMessage) el.append(h('p', { class: 'success' }, sentMessage));
      el.append(form);
    });
    if (sentMessage) app.announce(sentMessage);
  }

  ask();
}

// The new key and verifier; null when signed in, else {text, field?} for the form.
async function resetKey(app, values, mrn, button) {
  const { key, fields } = await newAccountKey(app, values.password, button,
    'Resetting your password…');
  const r = await app.api.postSigned('key-resets', {
    code: values.code,
    mrn,
    birth_date: values.birth_date,
    ...fields,
    nonce: app.api.newNonce(),
    timestamp: app.api.nowInstant(),
  }, key.privateKey);
  if (r.ok && r.json && r.json.logon_id) {
    const logonId = r.json.logon_id;
    await app.enter({
      logonId,
      fingerprint: key.fingerprint,
      privateKey: key.privateKey,
      records: [{ mrn: r.json.mrn, token: r.json.token, role: 'self', label: '' }],
    }, { notice: `Your Logon ID is ${logonId}. Your summary will be ready after the next ` +
      'update.' });
    return null;
  }
  app.keys.forgetKey(key.privateKey);
  return activationFailure(app, r);
}
