// Browser test of the patient summary: synthetic patients (bench/synth_fhir.py; nobody real)
// ingested and rendered with portal-gen as of a fixed instant, served on 127.0.0.1 and opened in
// Debian's Chromium at phone (360 x 740) and desktop (1280 x 900) size. Checks axe-core (zero
// violations, history closed and open), no horizontal scroll, no console error (the page's CSP
// allows no script), that the contents bar's Results link brings every test's latest value onto
// the first screen, that on a phone a tap anywhere on a test's row opens its normal range, trend
// and history, and the print stylesheet; saves screenshots and a PDF as artifacts.
//
// node summary_browser_test.mjs --portal-gen BIN --work DIR --artifacts DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { assert, axe, check, finish, launchChromium, parseArgs } from './browser_support.mjs';

const VIEWPORTS = { phone: { width: 360, height: 740 }, desktop: { width: 1280, height: 900 } };
const AS_OF = '2025-06-01T00:00:00Z';

// The project's config in a work folder, its state there, the results section laid out by test.
function workConfig(repo, work) {
  fs.cpSync(path.join(repo, 'content'), path.join(work, 'content'), { recursive: true });
  const file = path.join(work, 'content', 'portal.toml');
  let toml = fs.readFileSync(file, 'utf8')
    .replace(/^state_dir = .*$/m, `state_dir = "${path.join(work, 'state')}"`)
    .replace(/^templates_dir = .*$/m, `templates_dir = "${path.join(repo, 'site_templates')}"`);
  const at = toml.indexOf('id = "results"');
  assert(at >= 0, 'no results section in content/portal.toml');
  const next = toml.indexOf('[[', at);
  const block = toml.slice(at, next < 0 ? undefined : next);
  if (!/^layout\s*=/m.test(block)) {
    toml = toml.replace('id = "results"\n', 'id = "results"\nlayout = "results"\n');
  }
  fs.writeFileSync(file, toml);
  return file;
}

function renderSummaries(opt) {
  const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const work = path.resolve(opt.work);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const config = workConfig(repo, work);
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args[0]} failed: ${r.stderr}`);
  };
  run('python3', [path.join(repo, 'bench', 'synth_fhir.py'), path.join(work, 'extract'), '3', AS_OF]);
  run(opt['portal-gen'], ['ingest', '--config', config, path.join(work, 'extract')]);
  run(opt['portal-gen'], ['summaries', '--config', config, '--as-of', AS_OF,
    '--plaintext-dir', path.join(work, 'summaries')]);
  return path.join(work, 'summaries');
}

function serve(dir) {
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://localhost').pathname.slice(1);
    if (!/^[0-9a-f]{16}\.html$/.test(name) || !fs.existsSync(path.join(dir, name))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(fs.readFileSync(path.join(dir, name)));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// The summary with the most tests: the patient with years of results.
function richest(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.html')).sort();
  assert(files.length > 0, 'no summaries rendered');
  const tests = (f) => (fs.readFileSync(path.join(dir, f), 'utf8').match(/<tr data-test=/g) || []).length;
  return { files, best: files.reduce((a, b) => (tests(b) > tests(a) ? b : a)) };
}

const openAll = (page) => page.evaluate(() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
});
const noSideways = async (page, label) => {
  const [scroll, client] = await page.evaluate(() =>
    [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert(scroll <= client, `${label}: scrollWidth ${scroll} > clientWidth ${client}`);
};

async function main() {
  const opt = parseArgs(['portal-gen', 'work', 'artifacts']);
  fs.mkdirSync(opt.artifacts, { recursive: true });
  const dir = renderSummaries(opt);
  const { files, best } = richest(dir);
  const server = await serve(dir);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  try {
    for (const [label, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors = [];
      page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
      page.on('pageerror', (err) => errors.push(String(err)));

      await check(`${label}: every summary passes axe and fits the width, history closed and open`,
        async () => {
          for (const f of files) {
            await page.goto(`${origin}/${f}`);
            assert((await page.locator('h1').innerText()) === 'Health summary', `${f}: not a summary`);
            await axe(page, `${f} closed`);
            await noSideways(page, `${f} closed`);
            await openAll(page);
            await axe(page, `${f} open`);
            await noSideways(page, `${f} open`);
          }
        });

      await check(`${label}: the Results link shows every test's latest value on the first screen`,
        async () => {
          await page.goto(`${origin}/${best}`);
          await page.screenshot({ path: path.join(opt.artifacts, `summary-${label}.png`), fullPage: true });
          await page.locator('nav.contents a[href="#s-results"]').click();
          await page.waitForFunction(() => location.hash === '#s-results');
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
          const boxes = await page.locator('tr[data-test] td.latest').evaluateAll((cells) =>
            cells.map((c) => { const r = c.getBoundingClientRect(); return [r.top, r.bottom]; }));
          await page.screenshot({ path: path.join(opt.artifacts, `summary-results-${label}.png`) });
          assert(boxes.length > 0, 'no result rows on the page');
          const bottoms = boxes.map((b) => Math.round(b[1])).join(' ');
          console.log(`# ${label}: ${boxes.length} latest values, bottoms ${bottoms}`);
          const below = boxes.filter(([top, bottom]) => top < 0 || bottom > viewport.height);
          assert(below.length === 0, `${below.length} of ${boxes.length} latest values off the ` +
            `first ${viewport.height} px (bottoms ${bottoms})`);
        });

      if (label === 'phone') {
        await check('phone: a tap on a test\'s name opens its normal range, trend and history',
          async () => {
            await page.goto(`${origin}/${best}`);
            // The row of a test with a range and a trend; its range and trend wait in the history.
            const row = page.locator('tr[data-test]')
              .filter({ has: page.locator('td.range:not(:empty)') })
              .filter({ has: page.locator('svg.spark') }).first();
            const shown = (sel) => row.locator(sel).first().isVisible();
            assert(!(await shown('td.range')) && !(await shown('svg.spark')),
              'range or trend shown before the tap');
            // The summary covers the row, so the tap on the name is the summary's.
            await row.locator('th.name').click({ force: true });
            assert(await row.locator('details').evaluate((d) => d.open), 'history not opened');
            assert((await shown('td.range')) && (await shown('svg.spark')) &&
              (await shown('details table')), 'range, trend or history not shown when open');
            await page.screenshot({ path: path.join(opt.artifacts, 'summary-open-phone.png') });
            await noSideways(page, 'one history open');
          });
      }

      await check(`${label}: the print stylesheet leaves out the contents bar`, async () => {
        await page.goto(`${origin}/${best}`);
        await page.emulateMedia({ media: 'print' });
        assert(!(await page.locator('nav.contents').isVisible()), 'contents bar printed');
        await page.screenshot({ path: path.join(opt.artifacts, `summary-print-${label}.png`), fullPage: true });
        if (label === 'desktop') {
          await page.pdf({ path: path.join(opt.artifacts, 'summary-print.pdf'), format: 'Letter' });
        }
        await page.emulateMedia({ media: 'screen' });
      });

      await check(`${label}: no console errors (nothing blocked by the page's CSP)`, async () => {
        assert(errors.length === 0, errors.join('\n'));
      });
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  finish();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
