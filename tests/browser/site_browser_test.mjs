// Browser test of the public FAQ site: renders it with portal-gen, serves it on 127.0.0.1 and
// drives Debian's Chromium through playwright-core. Checks search, deep links, the 404 page and
// axe-core (zero violations), and saves phone and desktop screenshots as test artifacts. The
// patient summary has its own test (summary_browser_test.mjs).
//
// node site_browser_test.mjs --portal-gen BIN --config TOML --work DIR --artifacts DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { assert, axe, check, finish, launchChromium, parseArgs } from './browser_support.mjs';

const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };

// The site's base path, from base_url in the config ("https://host/portal-help/" -> "/portal-help/").
function basePath(configFile) {
  const m = fs.readFileSync(configFile, 'utf8').match(/^base_url\s*=\s*"([^"]+)"/m);
  if (!m) throw new Error('base_url not found in config');
  return new URL(m[1]).pathname;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript',
  '.json': 'application/json', '.xml': 'application/xml', '.txt': 'text/plain' };

// A static server as a web server would be configured: the site under its base path,
// directory index.html, 404.html with status 404 for anything else.
function serve(root, base) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let rel = decodeURIComponent(url.pathname);
    let file = null;
    if (rel.startsWith(base)) {
      rel = rel.slice(base.length);
      if (rel === '' || rel.endsWith('/')) rel += 'index.html';
      const candidate = path.resolve(root, rel);
      if (candidate.startsWith(root + path.sep) && fs.existsSync(candidate) &&
          fs.statSync(candidate).isFile()) {
        file = candidate;
      }
    }
    const status = file ? 200 : 404;
    file = file || path.join(root, '404.html');
    res.writeHead(status, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  const opt = parseArgs(['portal-gen', 'config', 'work', 'artifacts']);
  const site = path.resolve(opt.work, 'site');
  fs.mkdirSync(opt.artifacts, { recursive: true });
  const gen = spawnSync(opt['portal-gen'], ['site', '--config', opt.config, '--output', site],
    { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`portal-gen failed: ${gen.stderr}`);

  const base = basePath(opt.config);
  const server = await serve(site, base);
  const root = `http://127.0.0.1:${server.address().port}${base}`;
  const browser = await launchChromium();
  try {
    for (const [label, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      // Any console error (a blocked inline script, a failed fetch, a JS exception) fails.
      const errors = [];
      page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
      page.on('pageerror', (err) => errors.push(String(err)));

      await check(`${label}: home page renders with search and axe finds nothing`, async () => {
        const res = await page.goto(root);
        assert(res.status() === 200, `status ${res.status()}`);
        assert(await page.locator('#search-input').isVisible(), 'search box hidden');
        await page.screenshot({ path: path.join(opt.artifacts, `home-${label}.png`), fullPage: true });
        await axe(page, 'home');
      });

      await check(`${label}: search finds a question and its link opens it`, async () => {
        await page.goto(root);
        await page.locator('#search-input').fill('biopsy');
        const hit = page.locator('#search-results a', { hasText: 'biopsy' }).first();
        await hit.waitFor({ timeout: 10000 });
        await page.screenshot({ path: path.join(opt.artifacts, `search-${label}.png`) });
        await Promise.all([page.waitForURL('**/faq/**'), hit.click()]);
        const h1 = await page.locator('h1').innerText();
        assert(/biopsy/i.test(h1), `opened "${h1}"`);
        await axe(page, 'question page');
      });

      await check(`${label}: search with no match says so`, async () => {
        await page.goto(root);
        await page.locator('#search-input').fill('zzzqqqxxx');
        await page.locator('#search-results p').waitFor({ timeout: 10000 });
        const text = await page.locator('#search-results').innerText();
        assert(/No questions match/.test(text), text);
      });

      await check(`${label}: a deep link lands on its question`, async () => {
        const anchor = 'how-far-back-does-the-patient-portal-display-results-for';
        await page.goto(`${root}faq/#${anchor}`);
        const target = page.locator(`#${anchor}`);
        assert(await target.evaluate((el) => el.matches(':target')), 'not the :target');
        await target.evaluate((el) => new Promise((r) => requestAnimationFrame(() => r())));
        const box = await target.boundingBox();
        assert(box && box.y >= 0 && box.y < viewport.height, `heading not in view (y=${box && box.y})`);
        await page.screenshot({ path: path.join(opt.artifacts, `faq-deep-link-${label}.png`) });
        await axe(page, 'faq');
      });

      await check(`${label}: the help line is a tel: link`, async () => {
        await page.goto(`${root}faq/`);
        const hrefs = await page.locator('a[href^="tel:"]').evaluateAll((as) => as.map((a) => a.href));
        assert(hrefs.length > 0 && hrefs.every((h) => h === 'tel:+18608236363'), hrefs.join(' '));
      });

      await check(`${label}: unknown pages get the 404 page`, async () => {
        const res = await page.goto(`${root}no/such/page`);
        await page.locator('#search-input').fill('password');
        await page.locator('#search-results a').first().waitFor({ timeout: 10000 });
        assert(res.status() === 404, `status ${res.status()}`);
        assert((await page.locator('h1').innerText()) === 'Page not found', 'wrong page');
        assert(await page.locator('#search-input').isVisible(), 'search not working on 404 page');
        await page.screenshot({ path: path.join(opt.artifacts, `404-${label}.png`) });
        await axe(page, '404');
      });
      await check(`${label}: no console errors on any page`, async () => {
        // The 404 page's own status line is expected; anything else is not.
        const unexpected = errors.filter((e) => !/status of 404/.test(e));
        assert(unexpected.length === 0, unexpected.join('\n'));
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
