// The patient app end to end, as patients use it, on the real stack (portal_stack.mjs: nginx
// with deploy/nginx-site.conf, portal-mailboxd, aiosmtpd, portal-staff, portal-gen nightly),
// patients at a phone's width (360 x 740), the rest at a desktop's:
// - the activation letter's address → Register → nightly → sign in in a fresh browser →
//   the known record in the summary's frame → a message → staff read it and reply → nightly →
//   the reply in its frame; a profile change staff see field by field; "My requests" lists both;
//   sign out and the idle lock leave nothing of the summary in the DOM;
// - self-registration with the code from the e-mail; Forgot Password with the e-mailed code
//   (Logon ID shown, summary pending until the next nightly, then readable with the new
//   password, the old one refused).
// Screenshots (named after screens) go to --artifacts.
//
// node app_e2e_test.mjs --bin BUILD_BIN_DIR --artifacts DIR
import fs from 'node:fs';
import path from 'node:path';
import { assert, finish, launchChromium, parseArgs } from './browser_support.mjs';
import {
  domDump, frameShows, frameTexts, navigate, needs, newSession, receiptShown, scrub, screen,
  seal, sealedCheck, shows, signIn, snap,
} from './app_e2e_support.mjs';
import { PATIENTS, startStack } from './portal_stack.mjs';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };
const SENT_CODE = 'If these match our records, we have sent a code to that address. ' +
  'It is valid for 30 minutes.';
const PENDING = 'Your summary is being prepared. It will be ready after the next update.';
const IDLE = 'You were signed out after 15 minutes without activity.';

// What the patients type (invented).
const DESK = { ...PATIENTS.desk, logonId: 'isolde.bv', password: 'lantern orchard 1972 blue' };
const SELF = {
  ...PATIENTS.self, logonId: 'philippa.s', password: 'kettle harbour 1985 plum',
  newPassword: 'quarry meadow 2026 teal',
};
const MESSAGE = {
  provider: 'ConnCare', providerId: 'conncare', subject: 'Question about my refill',
  body: 'Do I need a visit before the next refill of the tablets?',
};
const REPLY = 'No visit needed yet. Call us if the cough gets worse.';
const PROFILE = {
  email: { legend: 'E-mail address', value: 'isolde.new@example.org' },
  religion: { legend: 'Religion', value: 'Quakerly' },
  race: { legend: 'Race', value: 'Invented for tests' },
};
for (const p of Object.values(PATIENTS)) {
  seal(p.mrn, p.given, p.family, p.email, p.condition, p.birthDate);
}
seal(DESK.logonId, DESK.password, SELF.logonId, SELF.password, SELF.newPassword,
  PROFILE.email.value, PROFILE.religion.value, REPLY, MESSAGE.body, MESSAGE.subject);

// The Register screen's details: the code field is "Activation code" for a letter's code and
// "Code from the e-mail" for a mailed one.
async function fillDetails(page, who, codeLabel, code) {
  if (code !== undefined) await page.getByLabel(codeLabel, { exact: true }).fill(code);
  await page.getByLabel('Date of birth', { exact: true }).fill(who.birthDate);
  await page.getByLabel('Logon ID', { exact: true }).fill(who.logonId);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('Confirm password', { exact: true }).fill(who.password);
}

const normalCode = (s) => s.replace(/[\s-]/g, '').toUpperCase();

// The 8-digit code an e-mail gives.
function codeIn(body) {
  const m = /Your code is ([0-9]{8})\b/.exec(body);
  assert(m, 'no code in the e-mail');
  seal(m[1]);
  return m[1];
}

async function main() {
  const opt = parseArgs(['bin', 'artifacts']);
  fs.mkdirSync(opt.artifacts, { recursive: true });
  const errors = [];
  const stack = await startStack({ bin: opt.bin });
  let browser = null;
  try {
    browser = await launchChromium();
    await run(stack, browser, opt.artifacts, errors);
  } finally {
    if (browser) await browser.close();
    await stack.stop();
  }
  finish();
}

async function run(stack, browser, artifacts, errors) {
  const done = {};
  const phone = await newSession(browser, PHONE, errors);
  let page = phone.page;

  done.register = await sealedCheck('phone: the letter\'s address opens Register with the code ' +
    'filled in; the new account is signed in, its summary pending', async () => {
    const { code, address } = await stack.activationLetter(DESK.mrn);
    seal(code, normalCode(code));
    await page.goto(address);
    await screen(page, 'Register');
    assert(await page.evaluate(() => location.hash === ''), 'the #code= fragment is still there');
    const codeField = page.getByLabel('Activation code', { exact: true });
    if (!(await codeField.isVisible())) {
      await page.getByRole('button', { name: 'I have an activation code', exact: true }).click();
    }
    await shows(page, codeField, 'the "Activation code" field');
    assert(normalCode(await codeField.inputValue()) === normalCode(code),
      'the "Activation code" field does not hold the letter\'s code');
    await fillDetails(page, DESK);
    await snap(page, artifacts, 'register-details-phone');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await screen(page, 'My summary');
    assert(await page.evaluate(() => location.hash === '#/summary'), 'not at #/summary');
    await shows(page, page.getByText(PENDING), 'the pending summary\'s sentence');
    await snap(page, artifacts, 'summary-pending-phone');
  });

  await stack.nightly();
  await phone.context.close();
  const fresh = await newSession(browser, PHONE, errors);
  page = fresh.page;

  done.summary = await sealedCheck('phone: after nightly, a fresh browser signs in and the ' +
    'known record is in the summary\'s frame', async () => {
    needs(['register', done.register]);
    await signIn(page, stack.signInUrl, DESK.logonId, DESK.password);
    await frameShows(page, 'Health summary', DESK.condition, 'the known condition');
    const sandbox = await page.locator('iframe[title="Health summary"]').getAttribute('sandbox');
    // allow-modals lets the Print button's print() through; never allow-scripts.
    assert(sandbox === 'allow-same-origin allow-modals', `the frame's sandbox is "${sandbox}"`);
    await shows(page, page.getByText(/^Last changed /), '"Last changed …"');
    for (const name of ['Download', 'Print']) {
      await shows(page, page.getByRole('button', { name, exact: true }), `the ${name} button`);
    }
    await snap(page, artifacts, 'summary-phone');
  });

  let messageReceipt = null;
  done.message = await sealedCheck('phone: a message to a provider is sent and its receipt ' +
    'shown', async () => {
    needs(['summary', done.summary]);
    await navigate(page, 'Messages', 'Write to a provider');
    await page.getByLabel('Provider', { exact: true }).selectOption({ label: MESSAGE.provider });
    await page.getByLabel('Subject', { exact: true }).fill(MESSAGE.subject);
    await page.getByLabel('Message', { exact: true }).fill(MESSAGE.body);
    await snap(page, artifacts, 'messages-phone');
    await page.getByRole('button', { name: 'Send message', exact: true }).click();
    messageReceipt = await receiptShown(page, 'the message\'s receipt');
  });

  done.reply = await sealedCheck('staff read the message with inbox --read and reply; after ' +
    'nightly the reply is in its frame', async () => {
    needs(['message', done.message]);
    const read = await stack.staff(['inbox', MESSAGE.providerId, '--read', messageReceipt]);
    assert(read.includes(MESSAGE.subject), 'inbox --read does not show the subject');
    assert(read.includes(MESSAGE.body), 'inbox --read does not show the body');
    const file = path.join(stack.root, 'reply.txt');
    fs.writeFileSync(file, REPLY);
    await stack.staff(['reply', messageReceipt, '--file', file]);
    await stack.nightly();
    // The screens read GET me when they open: away and back.
    await navigate(page, 'Messages', 'Write to a provider');
    await navigate(page, 'My summary', 'My summary');
    await shows(page, page.getByRole('heading', { level: 2, name: 'Replies from your providers' }),
      'the replies heading');
    await frameShows(page, 'Reply from your provider', REPLY, 'the reply\'s text');
    await snap(page, artifacts, 'summary-reply-phone');
  });

  let changeReceipt = null;
  done.profile = await sealedCheck('phone: a profile change of three fields; staff see each ' +
    'field with portal-staff show', async () => {
    needs(['summary', done.summary]);
    await navigate(page, 'Profile changes', 'Ask for a profile change');
    await shows(page, page.getByText('Changes must be accepted by Medical Records and do not ' +
      'appear in real time.'), 'the FAQ\'s note');
    for (const f of Object.values(PROFILE)) {
      const group = page.getByRole('group', { name: f.legend, exact: true });
      await shows(page, group, `the "${f.legend}" fieldset`);
      await group.getByRole('textbox').first().fill(f.value);
    }
    await snap(page, artifacts, 'profile-phone');
    await page.getByRole('button', { name: 'Send request', exact: true }).click();
    changeReceipt = await receiptShown(page, 'the profile change\'s receipt');
    await stack.staff(['claim', changeReceipt]);
    const shown = JSON.parse(await stack.staff(['show', changeReceipt, '--json']));
    const rows = Object.fromEntries(shown.fields.map((r) => [r.field, r]));
    assert(shown.patient_signature && shown.patient_signature.good === true,
      'the patient\'s signature on the change is not good');
    assert(Object.keys(rows).sort().join(',') === 'email,race,religion',
      `staff see the fields ${Object.keys(rows).sort().join(',')}`);
    for (const [id, f] of Object.entries(PROFILE)) {
      assert(rows[id].proposed === f.value, `staff see another ${id} than the one typed`);
    }
  });

  done.requests = await sealedCheck('phone: "My requests" lists the message and the change ' +
    'with their states', async () => {
    needs(['message', done.message], ['profile', done.profile]);
    await navigate(page, 'My requests', 'My requests');
    const table = page.getByRole('table', { name: 'Messages and requests you sent' });
    await shows(page, table, 'the requests table');
    const headers = await table.getByRole('columnheader').allInnerTexts();
    assert(headers.map((h) => h.trim()).join('|') === 'Receipt|What|Sent|State',
      `columns ${headers.join('|')}`);
    const cells = async (receipt) => {
      const row = table.getByRole('row').filter({ hasText: receipt });
      await shows(page, row, `the row of receipt ${receipt}`);
      return (await row.first().locator('th, td').allInnerTexts()).map((c) => c.trim());
    };
    // The queue's own states (staff read the message; the change is claimed, not decided),
    // in the words the patient reads, written out here.
    const queue = JSON.parse(await stack.staff(['queue', 'list', '--json']));
    const stateOf = (receipt) => (queue.find((q) => q.receipt === receipt) || {}).state;
    assert(stateOf(messageReceipt) === 'completed', `the message is ${stateOf(messageReceipt)}`);
    assert(stateOf(changeReceipt) === 'received', `the change is ${stateOf(changeReceipt)}`);
    const message = await cells(messageReceipt);
    const change = await cells(changeReceipt);
    assert(message.join('|').startsWith(`${messageReceipt}|Message|`) &&
      message.at(-1) === 'Done', `the message's row says "${message.join('|')}"`);
    assert(change.join('|').startsWith(`${changeReceipt}|Profile change|`) &&
      change.at(-1) === 'Waiting to be read', `the change's row says "${change.join('|')}"`);
    console.log(`# states: message "${message.at(-1)}", profile change "${change.at(-1)}"`);
    await snap(page, artifacts, 'requests-phone');
  });

  await sealedCheck('phone: after "Sign out" nothing of the summary is in the DOM', async () => {
    needs(['summary', done.summary]);
    await navigate(page, 'My summary', 'My summary');
    await frameShows(page, 'Health summary', DESK.condition, 'the known condition');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await screen(page, 'Sign in');
    const dom = await domDump(page);
    assert(!dom.includes(DESK.condition), 'the record\'s text is still in the DOM');
    assert(!dom.includes(DESK.family), 'the patient\'s name is still in the DOM');
    assert(!/<iframe/i.test(dom), 'a frame is still in the DOM');
    assert(!(await page.getByRole('navigation', { name: 'Portal' }).count()), 'the nav is left');
  });
  await fresh.context.close();

  // The idle lock: the browser's clock is Playwright's, moved on 16 minutes.
  await sealedCheck('phone: 15 idle minutes sign out, with the sentence, and nothing of the ' +
    'summary is left', async () => {
    needs(['summary', done.summary]);
    const idle = await newSession(browser, PHONE, errors, true);
    try {
      await signIn(idle.page, stack.signInUrl, DESK.logonId, DESK.password);
      await frameShows(idle.page, 'Health summary', DESK.condition, 'the known condition');
      await idle.page.clock.fastForward('16:00');
      await screen(idle.page, 'Sign in');
      await shows(idle.page, idle.page.locator('#status').getByText(IDLE), 'the idle sentence');
      const dom = await domDump(idle.page);
      assert(!dom.includes(DESK.condition), 'the record\'s text is still in the DOM');
      assert(!/<iframe/i.test(dom), 'a frame is still in the DOM');
      await snap(idle.page, artifacts, 'idle-signed-out-phone');
    } finally {
      await idle.context.close();
    }
  });

  await selfAndRecovery(stack, browser, artifacts, errors, done);

  await sealedCheck('no console errors and no uncaught exceptions on any of these pages',
    async () => { assert(errors.length === 0, errors.join('\n')); });
}

async function selfAndRecovery(stack, browser, artifacts, errors, done) {
  const desk = await newSession(browser, DESKTOP, errors);
  let page = desk.page;
  done.self = await sealedCheck('desktop: self-registration with the MRN, the e-mail on ' +
    'record and the code from the mail', async () => {
    await page.goto(stack.registerUrl());
    await screen(page, 'Register');
    await page.getByRole('button', { name: 'E-mail me a code', exact: true }).click();
    await page.getByLabel('Medical record number (MRN)', { exact: true }).fill(SELF.mrn);
    await page.getByLabel('E-mail address on record', { exact: true }).fill(SELF.email);
    await page.getByRole('button', { name: 'Send code', exact: true }).click();
    await shows(page, page.getByText(SENT_CODE), 'the "we have sent a code" sentence');
    const code = codeIn(await stack.waitForMail(SELF.email));
    await snap(page, artifacts, 'register-email-code-desktop');
    await fillDetails(page, SELF, 'Code from the e-mail', code);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await screen(page, 'My summary');
    await shows(page, page.getByText(PENDING), 'the pending summary\'s sentence');
  });
  await desk.context.close();
  await stack.nightly();

  done.recover = await sealedCheck('desktop: Forgot Password with the e-mailed code shows the ' +
    'Logon ID and a pending summary', async () => {
    needs(['self', done.self]);
    const s = await newSession(browser, DESKTOP, errors);
    page = s.page;
    try {
      await page.goto(stack.signInUrl);
      await screen(page, 'Sign in');
      await page.getByRole('link', { name: 'Forgot Password?', exact: true }).click();
      await screen(page, 'Reset your password');
      await page.getByLabel('Medical record number (MRN)', { exact: true }).fill(SELF.mrn);
      await page.getByLabel('E-mail address on record', { exact: true }).fill(SELF.email);
      await page.getByRole('button', { name: 'Send code', exact: true }).click();
      const mail = await stack.waitForMail(SELF.email);
      assert(mail.includes('reset your password'), 'the mail is not the reset code');
      await page.getByLabel('Code from the e-mail', { exact: true }).fill(codeIn(mail));
      await page.getByLabel('Date of birth', { exact: true }).fill(SELF.birthDate);
      await page.getByLabel('New password', { exact: true }).fill(SELF.newPassword);
      await page.getByLabel('Confirm new password', { exact: true }).fill(SELF.newPassword);
      await snap(page, artifacts, 'recover-desktop');
      await page.getByRole('button', { name: 'Reset password', exact: true }).click();
      await shows(page, page.getByText(`Your Logon ID is ${SELF.logonId}`), 'the Logon ID');
      await shows(page, page.getByText('Your summary will be ready after the next update.'),
        'the sentence on the summary');
      await navigate(page, 'My summary', 'My summary');
      await shows(page, page.getByText(PENDING), 'the pending summary\'s sentence');
      assert((await frameTexts(page, 'Health summary')).length === 0, 'a summary frame is shown');
      const notice = await stack.waitForMail(SELF.email);
      assert(notice.includes('was reset on'), 'no notice of the reset');
    } finally {
      await s.context.close();
    }
  });

  await sealedCheck('desktop: after nightly the new password opens the summary and the old ' +
    'one is refused', async () => {
    needs(['recover', done.recover]);
    await stack.nightly();
    const s = await newSession(browser, DESKTOP, errors);
    try {
      await signIn(s.page, stack.signInUrl, SELF.logonId, SELF.newPassword);
      await frameShows(s.page, 'Health summary', SELF.condition, 'the known condition');
      await snap(s.page, artifacts, 'summary-desktop');
    } finally {
      await s.context.close();
    }
    const old = await newSession(browser, DESKTOP, errors);
    try {
      await old.page.goto(stack.signInUrl);
      await screen(old.page, 'Sign in');
      await old.page.getByLabel('Logon ID', { exact: true }).fill(SELF.logonId);
      await old.page.getByLabel('Password', { exact: true }).fill(SELF.password);
      await old.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await shows(old.page, old.page.getByRole('alert'), 'the refusal');
      await snap(old.page, artifacts, 'sign-in-refused-desktop');
      await screen(old.page, 'Sign in');
      assert(!(await old.page.getByRole('navigation', { name: 'Portal' }).count()),
        'signed in with the old password');
    } finally {
      await old.context.close();
    }
  });
}

main().catch((err) => {
  console.error(scrub(err && err.stack || err));
  process.exit(1);
});
