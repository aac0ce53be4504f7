// What the app's end-to-end test needs beside browser_support.mjs: checks whose failures never
// print a sealed value (names, MRNs, addresses, Logon IDs, passwords, codes, record text), and
// the screens' common steps, found by the labels the design fixes.
import path from 'node:path';
import { check } from './browser_support.mjs';

const sealed = new Set();

/** Marks values that must never appear in the test's output. */
export function seal(...values) {
  for (const v of values) if (v) sealed.add(String(v));
}

/** `text` with every sealed value replaced by "[sealed]" (letter case ignored). */
export function scrub(text) {
  let out = String(text);
  for (const v of [...sealed].sort((a, b) => b.length - a.length)) {
    const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(escaped, 'gi'), '[sealed]');
  }
  return out;
}

/**
 * check() whose failure message and stack are scrubbed. Resolves true if `fn` passed, so a
 * later step that needs this one can say so instead of failing for the same reason.
 */
export async function sealedCheck(name, fn) {
  let ok = false;
  await check(name, async () => {
    try {
      await fn();
      ok = true;
    } catch (err) {
      const e = new Error(scrub(err && err.message || err));
      e.stack = scrub(err && err.stack || e.message);
      throw e;
    }
  });
  return ok;
}

/** Throws when an earlier step this one builds on did not pass. */
export function needs(...steps) {
  const missing = steps.filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length > 0) throw new Error(`not run: needs ${missing.join(', ')}`);
}

// What the page shows, for a failure message: its h1 and alerts (the app's own sentences).
async function pageState(page) {
  try {
    return await page.evaluate(() => {
      const h1 = document.querySelector('h1');
      const alerts = [...document.querySelectorAll('[role="alert"]')]
        .map((a) => a.textContent.trim()).filter(Boolean);
      return `h1 "${h1 ? h1.textContent.trim() : '(none)'}"` +
        (alerts.length ? `, alerts: ${alerts.map((a) => `"${a}"`).join(' ')}` : '');
    });
  } catch {
    return 'the page could not be read';
  }
}

/**
 * Waits until `locator` is visible; the error says `what` and the page's state, never the
 * locator (which may hold a sealed text).
 */
export async function shows(page, locator, what, timeout = 60000) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`${what}: not shown within ${timeout / 1000} s (${await pageState(page)})`);
  }
}

/** Waits for the screen whose one h1 is `title`. */
export function screen(page, title, timeout = 60000) {
  return shows(page, page.getByRole('heading', { level: 1, name: title, exact: true }),
    `the "${title}" screen`, timeout);
}

/** A screenshot named after the screen only (never a person or value). */
export async function snap(page, artifacts, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/**
 * A browser context at `viewport` whose pages collect console errors (not failed loads: an
 * expected 401 is logged as one) and uncaught exceptions into `errors`.
 */
export async function newSession(browser, viewport, errors, clock = false) {
  const context = await browser.newContext({ viewport });
  if (clock) await context.clock.install();
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  page.on('console', (msg) => {
    // Chromium's own notice that the frame's sandbox refuses script (it says so for the
    // sandboxed srcdoc frames even when the page holds none) is the sandbox working;
    // app_security_test checks that a page with script shows it and runs nothing.
    const sandboxNotice =
      /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/;
    if (msg.type() === 'error' && !/^Failed to load resource/.test(msg.text()) &&
        !sandboxNotice.test(msg.text())) {
      errors.push(scrub(msg.text()));
    }
  });
  page.on('pageerror', (err) => errors.push(scrub(err)));
  return { context, page };
}

/** Signs in on the sign-in page; waits for "My summary". */
export async function signIn(page, signInUrl, logonId, password) {
  await page.goto(signInUrl);
  await screen(page, 'Sign in');
  await page.getByLabel('Logon ID', { exact: true }).fill(logonId);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await screen(page, 'My summary');
}

/** Goes to a signed-in screen through the nav's link `link`; waits for its h1 `title`. */
export async function navigate(page, link, title) {
  await page.getByRole('navigation', { name: 'Portal' })
    .getByRole('link', { name: link, exact: true }).click();
  await screen(page, title);
}

/**
 * The texts of the frames titled `title`, read from the page through contentDocument (the
 * frames are same-origin and run no script of their own).
 */
export function frameTexts(page, title) {
  return page.evaluate((t) => [...document.querySelectorAll('iframe')]
    .filter((f) => f.title === t)
    .map((f) => (f.contentDocument && f.contentDocument.body
      ? f.contentDocument.body.innerText : '')), title);
}

/** Waits until some frame titled `title` shows `text`; the error says `what`, not the text. */
export async function frameShows(page, title, text, what, timeout = 60000) {
  try {
    await page.waitForFunction(([t, want]) => [...document.querySelectorAll('iframe')]
      .some((f) => f.title === t && f.contentDocument && f.contentDocument.body &&
        f.contentDocument.body.innerText.includes(want)), [title, text], { timeout });
  } catch {
    const n = (await frameTexts(page, title)).length;
    throw new Error(`${what}: not in a frame titled "${title}" within ${timeout / 1000} s ` +
      `(${n} such frames; ${await pageState(page)})`);
  }
}

/** The receipt number a "Sent. Your receipt number is …" sentence on the page gives. */
export async function receiptShown(page, what) {
  const sentence = page.getByText(/Your receipt number is \S+\./).first();
  await shows(page, sentence, what);
  const m = /Your receipt number is (\S+?)\./.exec(await sentence.innerText());
  if (!m) throw new Error(`${what}: no receipt number in the sentence`);
  return m[1];
}

/** The whole DOM's text and markup (for "nothing of it is left" checks). */
export function domDump(page) {
  return page.evaluate(() => document.documentElement.outerHTML);
}
