// What the browser tests share: Debian's Chromium through playwright-core, named checks that
// report TAP-like lines, and axe-core run inside the page.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

// "--name value" pairs; each of `required` must be given.
export function parseArgs(required) {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of required) {
    if (!out[k]) throw new Error(`missing --${k}`);
  }
  return out;
}

const results = [];
export async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}\n  ${String(err && err.stack || err).split('\n').join('\n  ')}`);
  }
}

// Prints the tally and exits 0 only if every check passed.
export function finish() {
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// axe-core on the page as it is; evaluated through the DevTools protocol, so a page whose
// Content-Security-Policy allows no script at all is checked too.
export async function axe(page, label) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document);
    return result.violations.map((v) =>
      `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert(found.length === 0, `${label}: axe violations:\n    ${found.join('\n    ')}`);
}
