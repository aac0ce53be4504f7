// What the app's module tests share (app_kdf_test, app_keys_test): the app's files and the
// vendored packages copied into a temp folder, a page holding a page config as the site build
// writes it, and a small static server with the types nginx sends (and hooks for the tests:
// paths to refuse, requests seen, routes answered by the test).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript',
  '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.asc': 'text/plain',
  '.css': 'text/css' };

export function copyTree(from, to, keep = () => true) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, keep);
    else if (keep(entry.name)) fs.copyFileSync(src, dst);
  }
}

/** A page config with test values; `over` replaces top-level parts. */
export function testConfig(over = {}) {
  return {
    start: 'sign-in', hospital: { name: 'Test Hospital', short_name: 'Test' },
    help_line: { name: 'help line', display: '555 0100', tel: '+15550100' },
    pages: { home: '/', faq: '/faq/', sign_in: '/', register: '/register/', recover: '/recover/' },
    mailbox: '/portal-mailbox/v1/', mrn: { pattern: '^M[0-9]{6}$' }, providers: [],
    profile_fields: [], limits: { subject_chars: 200, body_chars: 10000 },
    kdf: { t: 1, m: 19456, p: 1 }, idle_minutes: 15,
    signing_key: { url: '/key.asc', fingerprint: '0'.repeat(40) },
    vendor: { openpgp: '/openpgp/openpgp.min.mjs', argon2id: '/argon2id/' },
    ...over,
  };
}

/** `name`.html holding #portal-app with `config`, HTML-escaped into the attribute. */
export function writePage(root, name, config) {
  const attr = JSON.stringify(config).replace(/&/g, '&amp;').replace(/"/g, '&quot;')
    .replace(/</g, '&lt;');
  fs.writeFileSync(path.join(root, `${name}.html`),
    `<!doctype html><html lang="en"><title>${name}</title>` +
    `<div id="portal-app" data-config="${attr}"></div></html>`);
}

/**
 * The app (as /app/), argon2id (as /argon2id/lib, /argon2id/dist) and OpenPGP.js's lightweight
 * build (as /openpgp/) under `root`, fresh.
 */
export function layOut(root, appDir, vendorDir) {
  const argon2 = path.join(vendorDir, 'argon2id');
  const openpgp = path.join(vendorDir, 'openpgp', 'dist', 'lightweight');
  const needed = [path.join(argon2, 'lib', 'setup.js'), path.join(openpgp, 'openpgp.min.mjs')];
  for (const need of needed) {
    if (!fs.existsSync(need)) {
      throw new Error(`${need} is missing: run "npm ci" in site_templates/vendor (./dev does)`);
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  copyTree(appDir, path.join(root, 'app'));
  copyTree(path.join(argon2, 'lib'), path.join(root, 'argon2id', 'lib'));
  copyTree(path.join(argon2, 'dist'), path.join(root, 'argon2id', 'dist'));
  copyTree(openpgp, path.join(root, 'openpgp'), (n) => n.endsWith('.min.mjs'));
}

/**
 * Serves `root` on 127.0.0.1. `hooks.refuse` (Set of paths) answer 404; `hooks.asked` (array)
 * gets every path; `hooks.routes[path](req, body)` answers {status, json} for the test.
 */
export function serve(root, hooks = {}) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    if (hooks.asked) hooks.asked.push(rel);
    const route = hooks.routes && hooks.routes[rel];
    if (route) {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const { status, json } = route(req, Buffer.concat(chunks));
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      });
      return;
    }
    const file = path.resolve(root, `.${rel.endsWith('/') ? `${rel}index.html` : rel}`);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) ||
        (hooks.refuse && hooks.refuse.has(rel))) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
