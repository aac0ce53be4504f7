// Every screen of the patient app, on the whole real stack (portal_stack.mjs), at phone
// (360 x 740) and desktop (1280 x 900) width: axe-core finds no violation, the page does not
// scroll sideways, and a screenshot of each is saved (named by screen and width; no patient
// value in a name). The screens: Sign in; Register (the choice, the e-mail step, the details
// after an e-mailed code, the details from a letter's link); Forgot Password (both steps); My
// summary (pending, then published, its frame's page checked as a page of its own); Messages
// (empty and with a receipt); My requests; Profile changes; Account. Then My summary at 200%
// zoom, and one registration and sign-in with the production KDF settings.
//
// 200% zoom: Chromium zooms by doubling the device pixel ratio and halving the CSS viewport, so a
// 1280 x 900 window at 200% lays out as a 640 x 450 CSS viewport at devicePixelRatio 2; that is
// the context used (not CSS zoom, which scales a layout made for the full width).
//
// node app_screens_test.mjs --bin BUILD_DIR --artifacts DIR
import fs from 'node:fs';
import path from 'node:path';
import { assert, axe, check, finish, launchChromium, parseArgs } from './browser_support.mjs';
import { PATIENTS, startStack } from './portal_stack.mjs';
import {
  fillDetails, frameText, heading, noSideways, PASSWORD, registerWithLetter, signIn,
  summaryFrame, until, watchedPage,
} from './app_test_support.mjs';

const WIDTHS = [{ width: 360, height: 740 }, { width: 1280, height: 900 }];

// What the production settings are (content/portal.toml's [app], the design's defaults).
const PRODUCTION_KDF = { t: 3, m: 65536, p: 4 };

let artifacts = '';
const otherErrors = [];  // console errors of the pages in other contexts

// Two animation frames: layout and paint after a change of size or screen.
const settle = (page) => page.evaluate(() => new Promise((r) =>
  requestAnimationFrame(() => requestAnimationFrame(() => r()))));

/**
 * The screen on show, at each width: axe, no sideways scroll, a screenshot `<name>-<width>.png`.
 * Leaves the page at desktop width.
 */
async function screen(page, name) {
  const problems = [];
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    await settle(page);
    await page.screenshot({ path: path.join(artifacts, `${name}-${size.width}.png`),
      fullPage: true });
    try {
      await axe(page, `${name} at ${size.width}`);
    } catch (err) {
      problems.push(err.message);
    }
    try {
      await noSideways(page, `${name} at ${size.width}`);
    } catch (err) {
      problems.push(err.message);
    }
  }
  assert(problems.length === 0, problems.join('\n  '));
}

// The verified page in the frame, as a page of its own (its own CSP, as a download opens it),
// at each width: axe and no sideways scroll, as summary_browser_test does for every summary.
async function framePage(context, page, name) {
  const frame = await summaryFrame(page);
  await until(() => frame.evaluate((f) => Boolean(f.contentDocument &&
    f.contentDocument.readyState === 'complete' && f.contentDocument.querySelector('h1'))),
  'the frame\'s page');
  const html = await frame.evaluate((f) => f.srcdoc);
  assert(html.length > 0, 'the frame has no page');
  const own = await context.newPage();
  try {
    await own.setContent(html);
    await screen(own, name);
  } finally {
    await own.close();
  }
}

async function nav(page, link, h1) {
  await page.getByRole('link', { name: link }).click();
  await heading(page, h1);
  await settle(page);
}

// The e-mailed code in the newest mail to `email`.
async function mailedCode(stack, email) {
  const body = (await stack.waitForMail(email)).replace(/=\r?\n/g, '');
  const m = /Your code is ([0-9]{8})\b/.exec(body);
  assert(m, 'the mail has no code');
  return m[1];
}

async function screens(browser, stack) {
  const context = await browser.newContext({ viewport: WIDTHS[1] });
  const page = await watchedPage(context);
  const self = PATIENTS.self;

  await check('Sign in', async () => {
    await page.goto(stack.signInUrl);
    await heading(page, 'Sign in');
    await page.getByLabel('Logon ID').waitFor();
    await screen(page, 'sign-in');
  });

  await check('Register: the choice', async () => {
    await page.goto(stack.registerUrl());
    await heading(page, 'Register');
    await page.getByRole('button', { name: 'I have an activation code' }).waitFor();
    await page.getByRole('button', { name: 'E-mail me a code' }).waitFor();
    await screen(page, 'register-choice');
  });

  await check('Register: the e-mail step', async () => {
    await page.getByRole('button', { name: 'E-mail me a code' }).click();
    await page.getByLabel('Medical record number (MRN)').waitFor();
    await page.getByLabel('E-mail address on record').waitFor();
    await screen(page, 'register-email');
  });

  await check('Register: the details after an e-mailed code', async () => {
    await page.getByLabel('Medical record number (MRN)').fill(self.mrn);
    await page.getByLabel('E-mail address on record').fill(self.email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code from the e-mail').waitFor({ timeout: 30000 });
    assert((await page.locator('#view').innerText()).includes('If these match our records, ' +
      'we have sent a code to that address. It is valid for 30 minutes.'),
    'not the one sentence after Send code');
    await screen(page, 'register-details-email');
  });

  await check('My summary: pending (registered with the e-mailed code)', async () => {
    const code = await mailedCode(stack, self.email);
    await fillDetails(page, { code, mailed: true, birthDate: self.birthDate,
      logonId: 'screenself01' });
    await page.getByText('Your summary is being prepared. It will be ready after the next ' +
      'update.').waitFor({ timeout: 60000 });
    await screen(page, 'summary-pending');
  });

  await check('Messages: the form', async () => {
    await nav(page, 'Messages', 'Write to a provider');
    await screen(page, 'messages');
  });

  await check('Messages: with a receipt', async () => {
    await page.getByLabel('Provider').selectOption({ index: 1 });
    await page.getByLabel('Subject').fill('A question about my visit');
    await page.getByLabel('Message').fill('Could you tell me when my next check-up is due?');
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.locator('#view').getByText(/^Sent\. Your receipt number is .+\.$/)
      .waitFor({ timeout: 30000 });
    await screen(page, 'messages-receipt');
  });

  await check('My requests (one message)', async () => {
    await nav(page, 'My requests', 'My requests');
    const table = page.getByRole('table', { name: 'Messages and requests you sent' });
    await table.waitFor({ timeout: 30000 });
    assert(await table.locator('tbody tr').count() === 1, 'not one row for the one message');
    await screen(page, 'requests');
  });

  await check('Profile changes', async () => {
    await nav(page, 'Profile changes', 'Ask for a profile change');
    await page.getByRole('button', { name: 'Send request' }).waitFor();
    await screen(page, 'profile');
  });

  await check('Account', async () => {
    await nav(page, 'Account', 'Account');
    for (const b of ['Change password', 'Download key backup', 'Sign out everywhere',
      'Add record']) {
      await page.getByRole('button', { name: b }).waitFor();
    }
    await screen(page, 'account');
  });

  await check('My summary: published, and its frame\'s page on its own', async () => {
    await stack.nightly();
    await nav(page, 'My summary', 'My summary');
    const frame = await summaryFrame(page);
    assert((await frameText(frame)).includes(PATIENTS.self.condition),
      'the published summary does not show the record\'s condition');
    await page.getByText(/^Last changed /).waitFor();
    await screen(page, 'summary-published');
    await framePage(context, page, 'summary-frame');
  });

  await check('Register: the details from a letter\'s link (the code filled in)', async () => {
    const letter = await browser.newContext({ viewport: WIDTHS[1] });
    try {
      const other = await watchedPage(letter);
      const code = await stack.activationCode(PATIENTS.other.mrn);
      await other.goto(stack.registerUrl(code));
      await heading(other, 'Register');
      const filled = await other.getByLabel('Activation code').inputValue();
      assert(filled.replace(/[\s-]/g, '') === code.replace(/[\s-]/g, ''),
        'the code from the link is not filled in');
      assert(!other.url().includes('#'), 'the code stayed in the address');
      await screen(other, 'register-details-letter');
      otherErrors.push(...other.errors);
    } finally {
      await letter.close();
    }
  });

  await check('Forgot Password: both steps', async () => {
    const reset = await browser.newContext({ viewport: WIDTHS[1] });
    try {
      const p = await watchedPage(reset);
      await p.goto(stack.recoverUrl);
      await heading(p, 'Reset your password');
      await p.getByLabel('Medical record number (MRN)').waitFor();
      await screen(p, 'recover');
      // A number and an address that match no record: the answer is the same sentence.
      await p.getByLabel('Medical record number (MRN)').fill('M399999');
      await p.getByLabel('E-mail address on record').fill('nobody@example.invalid');
      await p.getByRole('button', { name: 'Send code' }).click();
      await p.getByLabel('Code from the e-mail').waitFor({ timeout: 30000 });
      for (const l of ['Date of birth', 'New password', 'Confirm new password']) {
        await p.getByLabel(l, { exact: true }).waitFor();
      }
      await screen(p, 'recover-details');
      otherErrors.push(...p.errors);
    } finally {
      await reset.close();
    }
  });

  await check('My summary at 200% zoom (640 x 450 CSS px at devicePixelRatio 2)', async () => {
    const zoomed = await browser.newContext({ viewport: { width: 640, height: 450 },
      deviceScaleFactor: 2 });
    try {
      const p = await watchedPage(zoomed);
      await p.emulateMedia({ media: 'screen' });
      await signIn(p, stack, 'screenself01');
      const frame = await summaryFrame(p);
      await frameText(frame);
      await settle(p);
      const [ratio, width] = await p.evaluate(() => [window.devicePixelRatio, window.innerWidth]);
      assert(ratio === 2 && width === 640, `devicePixelRatio ${ratio}, width ${width}`);
      await p.screenshot({ path: path.join(artifacts, 'summary-zoom200.png'), fullPage: true });
      await axe(p, 'My summary at 200%');
      await noSideways(p, 'My summary at 200%');
      const inFrame = await frame.evaluate((f) => [f.contentDocument.documentElement.scrollWidth,
        f.contentDocument.documentElement.clientWidth]);
      assert(inFrame[0] <= inFrame[1], `the frame's page scrolls sideways: ${inFrame.join(' > ')}`);
      // Everything of the nav is reachable without sideways scroll: each link inside the width.
      const outside = await p.locator('nav[aria-label="Portal"] a, nav[aria-label="Portal"] button')
        .evaluateAll((els) => els.filter((e) => {
          const r = e.getBoundingClientRect();
          return r.left < 0 || r.right > document.documentElement.clientWidth;
        }).map((e) => e.textContent));
      assert(outside.length === 0, `nav items off the side: ${outside.join(', ')}`);
      otherErrors.push(...p.errors);
    } finally {
      await zoomed.close();
    }
  });

  await check('no console errors on any screen', async () => {
    const errors = [...page.errors, ...otherErrors];
    assert(errors.length === 0, errors.join('\n'));
  });
  await context.close();
}

// Registration and sign-in as shipped: Argon2id t=3, 64 MiB, p=4, in the browser.
async function productionKdf(browser, opt) {
  let stack = null;
  try {
    await check('production KDF: the stack with the shipped [app] settings starts', async () => {
      stack = await startStack({ bin: opt.bin, productionKdf: true });
    });
    if (!stack) return;
    await check('production KDF: registration makes a verifier with t=3, m=65536, p=4',
      async () => {
        const context = await browser.newContext({ viewport: WIDTHS[0] });
        try {
          const page = await watchedPage(context);
          await registerWithLetter(page, stack, PATIENTS.desk, 'prodkdf01');
          const kdf = page.sent.activations && page.sent.activations.kdf;
          assert(kdf, 'the activation sent no kdf');
          assert(kdf.alg === 'argon2id' && kdf.t === PRODUCTION_KDF.t &&
            kdf.m === PRODUCTION_KDF.m && kdf.p === PRODUCTION_KDF.p,
          `the activation's kdf is ${kdf.alg} t=${kdf.t} m=${kdf.m} p=${kdf.p}`);
        } finally {
          await context.close();
        }
      });
    await check('production KDF: sign-in in a fresh context with the account\'s settings',
      async () => {
        const context = await browser.newContext({ viewport: WIDTHS[0] });
        try {
          const page = await watchedPage(context);
          await signIn(page, stack, 'prodkdf01', PASSWORD);
          const kdf = page.answers.prelogin && page.answers.prelogin.kdf;
          assert(kdf && kdf.t === PRODUCTION_KDF.t && kdf.m === PRODUCTION_KDF.m &&
            kdf.p === PRODUCTION_KDF.p, 'prelogin did not give the production settings');
          assert(page.answers.sessions && page.answers.sessions.key_blob,
            'sessions gave no key blob');
          await page.getByRole('button', { name: 'Sign out' }).waitFor();
          const errors = page.errors;
          assert(errors.length === 0, errors.join('\n'));
        } finally {
          await context.close();
        }
      });
  } finally {
    if (stack) await stack.stop();
  }
}

async function main() {
  const opt = parseArgs(['bin', 'artifacts']);
  artifacts = path.resolve(opt.artifacts);
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const browser = await launchChromium();
  try {
    const stack = await startStack({ bin: opt.bin });
    try {
      await screens(browser, stack);
    } finally {
      await stack.stop();
    }
    await productionKdf(browser, opt);
  } finally {
    await browser.close();
  }
  finish();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
