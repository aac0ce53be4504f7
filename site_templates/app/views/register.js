// Register: with the activation code from the hospital's letter (the QR code's link carries it
// in #code=…, which browsers never send), or with a code e-mailed to the address on the record.
// Then the details: the key is made here, the password derived, the blob locked, and the
// activation signed by the new key (which proves we hold it).
import { alert, busy, clear, field, focusHeading, h } from '../dom.js';
import {
  birthDateField, birthDateProblem, buttonRow, CLOCK_SENTENCE, CODE_SENT, codeRequestForm,
  confirmProblem, helpText, logonIdProblem, mailedCode, mailedCodeField, newPasswordFields,
  newAccountKey, passwordProblem, showErrors, showFailure,
} from './forms.js';

const NO_MATCH = 'These details do not match our records, or the code has expired or was ' +
  'used. Check them and try again.';

// The code from the letter's link, once; the fragment leaves the address bar at once.
function codeFromFragment() {
  const m = /(?:^#|&)code=([^&]*)/.exec(window.location.hash);
  if (!m) return '';
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  try {
    return decodeURIComponent(m[1]).slice(0, 64);
  } catch {
    return '';
  }
}

/** Renders the Register screen into `root`. */
export async function render(root, app) {
  const fromLink = codeFromFragment();
  const state = { mrn: '', mailed: false };
  const body = h('div', { class: 'steps' });
  root.append(h('h1', {}, 'Register'), body);

  function step(build) {
    clear(body);
    alert(root, null);
    build(body);
    const first = body.querySelector('input, select, button');
    if (first) first.focus();
    else focusHeading(root);
  }

  function choose() {
    step((el) => {
      el.append(
        h('p', {}, 'To open your account you need a code. It is on the letter the hospital ' +
          'gave you, or we can e-mail one to the address the hospital has for you.'),
        buttonRow(
          h('button', { type: 'button', class: 'button', onclick: () => details(false) },
            'I have an activation code'),
          h('button', { type: 'button', class: 'button secondary', onclick: emailStep },
            'E-mail me a code')),
        h('p', {}, 'Already registered? ', h('a', { href: app.config.pages.sign_in }, 'Sign in'),
          '.'));
    });
  }

  function emailStep() {
    step((el) => {
      el.append(
        h('p', {}, 'We will send a code to the e-mail address the hospital has on your record.'),
        codeRequestForm(app, 'registrations', (mrn, sent) => {
          state.mrn = mrn;
          details(true, sent ? CODE_SENT : '');
        }));
    });
  }

  function details(mailed, sentMessage = '') {
    state.mailed = mailed;
    step((el) => {
      const code = mailed ? mailedCodeField()
        : field({ label: 'Activation code', name: 'code', autocomplete: 'off', required: true,
          autocapitalize: 'characters', spellcheck: 'false', value: fromLink,
          hint: 'It is on your letter: 15 letters and digits.' });
      const dob = birthDateField();
      const logon = field({ label: 'Logon ID', name: 'username', autocomplete: 'username',
        required: true, autocapitalize: 'none', spellcheck: 'false',
        hint: 'You will sign in with it. 4 to 64 letters or digits; not your MRN.' });
      const { password, confirm } = newPasswordFields(false);
      const create = h('button', { type: 'submit', class: 'button' }, 'Create account');
      const form = h('form', { class: 'form', novalidate: true }, code.wrapper, dob.wrapper,
        logon.wrapper, password.wrapper, confirm.wrapper, create);
      const fields = { code, dob, logon, password, confirm };
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const typed = code.input.value.trim();
        const values = {
          code: mailed ? mailedCode(typed) : typed,
          birth_date: dob.input.value,
          logon_id: logon.input.value.trim(),
          password: password.input.value,
        };
        const ok = showErrors(form, fields, {
          code: codeProblem(values.code, mailed),
          dob: birthDateProblem(values.birth_date),
          logon: logonIdProblem(values.logon_id, app.config.mrn.pattern),
          password: passwordProblem(values.password, values.logon_id),
          confirm: confirmProblem(values.password, confirm.input.value),
        });
        if (!ok) return;
        const failure = await busy(create, 'Making your key…',
          () => activate(app, values, state, create));
        if (failure) showFailure(app, form, fields, failure);
      });
      if (sentMessage) el.append(h('p', { class: 'success' }, sentMessage));
      el.append(form);
    });
    if (sentMessage) app.announce(sentMessage);
  }

  if (fromLink) details(false);
  else choose();
}

function codeProblem(code, mailed) {
  if (!code) return mailed ? 'Enter the code from the e-mail.' : 'Enter your activation code.';
  if (mailed && !/^\d{8}$/.test(code)) return 'The code from the e-mail is 8 digits.';
  if (!mailed && code.replace(/[\s-]/g, '').length !== 15) {
    return 'The activation code is 15 letters and digits.';
  }
  return null;
}

// Makes the key and the account; null when signed in, else {text, field?} for the form.
async function activate(app, values, state, button) {
  const { key, fields } = await newAccountKey(app, values.password, button,
    'Creating your account…');
  const body = { code: values.code };
  if (state.mailed) body.mrn = state.mrn;
  Object.assign(body, {
    birth_date: values.birth_date,
    logon_id: values.logon_id,
    ...fields,
    nonce: app.api.newNonce(),
    timestamp: app.api.nowInstant(),
  });
  const r = await app.api.postSigned('activations', body, key.privateKey);
  if (r.ok && r.json && r.json.token) {
    await app.enter({
      logonId: values.logon_id.toLowerCase(),
      fingerprint: key.fingerprint,
      privateKey: key.privateKey,
      records: [{ mrn: r.json.mrn, token: r.json.token, role: r.json.role || 'self', label: '' }],
    });
    return null;
  }
  app.keys.forgetKey(key.privateKey);
  return activationFailure(app, r);
}

/** The sentence (and field) for a refused activation or key reset. */
export function activationFailure(app, r) {
  const field = r.problem && r.problem.field;
  if (r.status === 409 && field === 'logon_id') {
    return { field: 'logon', text: 'This Logon ID is taken. Choose another.' };
  }
  if (r.status === 409 && !field) {
    return { text: 'This record already has an account. Use Forgot Password on the sign-in ' +
      'page to get back in.' };
  }
  if (r.status === 422 && field === 'code') return { field: 'code', text: NO_MATCH };
  if (r.status === 422 && field === 'birth_date') {
    return { field: 'dob', text: 'Enter the date of birth as day, month and year.' };
  }
  if (r.status === 422 && field === 'logon_id') {
    return { field: 'logon', text: logonIdProblem('!', '') };
  }
  if (r.status === 422 && field === 'timestamp') return { text: CLOCK_SENTENCE };
  if (r.status === 422 && field === 'mrn') {
    return { text: 'Please check the medical record number and start again.' };
  }
  if (r.status === 401 || r.status === 409 || r.status === 422) {
    return { text: `Your account could not be made. ${helpText(app.config)}` };
  }
  return { text: app.api.problemSentence(r, app.config) };
}
