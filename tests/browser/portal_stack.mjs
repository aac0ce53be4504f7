// The whole portal, real, on 127.0.0.1 in a fresh 0700 temp folder, for the app's browser tests
// and `./dev demo`: a portal.toml made from content/portal.toml, `portal-staff init`, a staff
// key, invented patients ingested by `portal-gen nightly` (which builds the site and the app),
// Debian's aiosmtpd as the mail server, portal-mailboxd, and nginx with deploy/nginx-site.conf.
//
// As a module: `const stack = await startStack({bin})`, then `stack.stop()` (always).
// As a command: node tests/browser/portal_stack.mjs --bin BUILD_DIR --serve
//   starts everything, prints the sign-in and register addresses and a fresh activation code,
//   and runs until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractText, PATIENTS } from './stack_fixture.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const PYTHON = '/usr/bin/python3';
const NGINX = '/usr/sbin/nginx';
const GPG = '/usr/bin/gpg';
const BASE_PATH = '/portal-help/';
const STAFF_USER = 'rstaff';

export { PATIENTS };

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Sets `key = value` in [section] of a TOML text: the active line for the key is replaced, else
// the key is added under the header; a missing section is added at the end.
function setTomlKey(text, section, key, value) {
  const lines = text.split('\n');
  const header = lines.indexOf(`[${section}]`);
  const line = `${key} = ${value}`;
  if (header < 0) return `${text.replace(/\n*$/, '\n')}\n[${section}]\n${line}\n`;
  for (let i = header + 1; i < lines.length && !lines[i].startsWith('['); i += 1) {
    if (new RegExp(`^${key}\\s*=`).test(lines[i])) {
      lines[i] = line;
      return lines.join('\n');
    }
  }
  lines.splice(header + 1, 0, line);
  return lines.join('\n');
}

const quote = (s) => JSON.stringify(s);

// The daemon's unix socket (mailbox.listen_socket) in the folder; nginx proxies to it.
const SHIPPED_SOCKET = '/run/portal-mailboxd/mailbox.sock';
function daemonSocket(root) {
  const dir = path.join(root, 'run');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, 'mailbox.sock');
}

// content/portal.toml with every path in the folder (the FAQ and templates from the source
// tree), the ports, mail at the sink, the test's limits and (unless productionKdf) a small KDF.
function writeConfig(root, ports, { productionKdf }) {
  const source = fs.readFileSync(path.join(REPO, 'content', 'portal.toml'), 'utf8');
  let toml = source;
  const paths = {
    state_dir: path.join(root, 'var'),
    faq_dir: path.join(REPO, 'content', 'faq'),
    home_page: path.join(REPO, 'content', 'home.md'),
    templates_dir: path.join(REPO, 'site_templates'),
    site_output_dir: path.join(root, 'output', 'site'),
    summaries_output_dir: path.join(root, 'output', 'patients'),
    extracts_dir: path.join(root, 'var', 'extracts'),
  };
  for (const [key, value] of Object.entries(paths)) {
    toml = setTomlKey(toml, 'paths', key, quote(value));
  }
  const settings = [
    ['mailbox', 'listen', quote(`127.0.0.1:${ports.daemon}`)],
    // nginx reaches the daemon on its unix socket, as deploy/nginx-site.conf does; X-Real-IP is
    // believed from there only.
    ['mailbox', 'listen_socket', quote(daemonSocket(root))],
    // Every request comes from 127.0.0.1: the per-address buckets must not be what answers.
    ['mailbox', 'per_address_per_minute', '100000'],
    ['mailbox', 'per_address_burst', '100000'],
    ['accounts', 'per_address_per_minute', '100000'],
    ['accounts', 'per_address_burst', '100000'],
    ['accounts', 'per_mrn_per_hour', '1000'],
    ['accounts', 'email_codes_per_day', '100'],
    ['staff', 'exports_dir', quote(path.join(root, 'var', 'exports'))],
    ['notifications', 'smtp_url', quote(`smtp://127.0.0.1:${ports.smtp}`)],
    ['notifications', 'starttls', quote('off')],
    ['notifications', 'from', quote('Backus Hospital Patient Portal <portal@backushospital.org>')],
    ['notifications', 'poll_seconds', '1'],
    ['notifications', 'retry_initial_seconds', '1'],
    ['notifications', 'retry_max_seconds', '2'],
  ];
  // The app's settings exist once the config has an [app] section (content/portal.toml
  // writes out its defaults); the tests' KDF is small unless production settings are asked for.
  if (!productionKdf && /^\[app\]$/m.test(source)) {
    settings.push(['app', 'kdf_passes', '1'], ['app', 'kdf_memory_kib', '19456'],
      ['app', 'kdf_parallelism', '1']);
  }
  for (const [section, key, value] of settings) toml = setTomlKey(toml, section, key, value);
  const file = path.join(root, 'content', 'portal.toml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, toml);
  return file;
}

// Runs a program to its end; resolves {code, stdout, stderr}.
function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args,
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({
      code: code === null ? `killed by ${signal}` : code,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    }));
  });
}

// The same, failing on a non-zero exit. The message names the program, its first argument and
// stderr (the portal's messages name files, lines, fields and ids, never PHI), never stdout.
async function runOk(cmd, args, env = {}) {
  const r = await run(cmd, args, env);
  if (r.code !== 0) {
    throw new Error(`${path.basename(cmd)} ${args[0]} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

// A GnuPG home (0700) with a new ed25519 + cv25519 key; returns {home, fingerprint, keyFile}.
async function newGpgPerson(dir, uid) {
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'gpg.conf'), 'no-random-seed-file\n');
  const base = ['--homedir', dir, '--batch', '--pinentry-mode', 'loopback', '--passphrase', ''];
  await runOk(GPG, [...base, '--quick-gen-key', uid, 'ed25519', 'sign', 'never']);
  const colons = await runOk(GPG, ['--homedir', dir, '--with-colons', '--list-keys', uid]);
  const fingerprint = colons.split('\n').find((l) => l.startsWith('fpr:')).split(':')[9];
  await runOk(GPG, [...base, '--quick-add-key', fingerprint, 'cv25519', 'encr', 'never']);
  const keyFile = path.join(dir, 'public-key.asc');
  await runOk(GPG, [...base, '--armor', '--output', keyFile, '--export', fingerprint]);
  return { home: dir, fingerprint, keyFile };
}

// deploy/nginx-site.conf in a server on `port`: /srv/patient-portal is the folder, the
// daemon's port filled in. One process (no workers to switch user), in the foreground.
function writeNginx(root, port, daemonPort) {
  const dir = path.join(root, 'nginx');
  fs.mkdirSync(dir, { mode: 0o700 });
  const site = fs.readFileSync(path.join(REPO, 'deploy', 'nginx-site.conf'), 'utf8')
    .replaceAll('/srv/patient-portal', root)
    .replaceAll('127.0.0.1:8787', `127.0.0.1:${daemonPort}`)
    .replaceAll(SHIPPED_SOCKET, daemonSocket(root));
  fs.writeFileSync(path.join(dir, 'site.conf'), site);
  const temp = (name) => `  ${name}_temp_path ${path.join(dir, name)};\n`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'),
    'daemon off;\nmaster_process off;\n' +
    `pid ${path.join(dir, 'nginx.pid')};\nerror_log ${path.join(dir, 'error.log')};\n` +
    'events {}\nhttp {\n  access_log off;\n  include /etc/nginx/mime.types;\n' +
    '  default_type application/octet-stream;\n' +
    temp('client_body') + temp('proxy') + temp('fastcgi') + temp('uwsgi') + temp('scgi') +
    '  limit_req_zone $binary_remote_addr zone=portal_mailbox:1m rate=1000r/s;\n' +
    '  limit_req_zone $binary_remote_addr zone=portal_accounts:1m rate=1000r/s;\n' +
    '  limit_conn_zone $binary_remote_addr zone=portal_mailbox_conn:1m;\n' +
    `  server {\n    listen 127.0.0.1:${port};\n    include ${path.join(dir, 'site.conf')};\n` +
    '  }\n}\n');
  return dir;
}

// The SMTP sink's handler: every mail as one file in a Maildir (aiosmtpd's own Mailbox).
function smtpArgs(port, maildir) {
  return ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox',
    maildir];
}

// A mail file's headers (unfolded) and body.
function parseMail(text) {
  const unix = text.replace(/\r\n/g, '\n');
  const end = unix.indexOf('\n\n');
  const head = (end < 0 ? unix : unix.slice(0, end)).replace(/\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 2);
  }
  return { headers, body: end < 0 ? '' : unix.slice(end + 2) };
}

/**
 * Starts everything (see the file's comment). Rejects, having stopped what it started, if a
 * part does not come up.
 * @param {{bin: string, productionKdf?: boolean, keep?: boolean}} opt `bin`: the build folder
 *   (its bin/ holds portal-gen, portal-staff, portal-mailboxd, portal-gpg-worker); `keep`: leave
 *   the folder after stop() (for a look at the logs).
 * @returns {Promise<Stack>}
 */
export async function startStack(opt) {
  const stack = new Stack(opt);
  try {
    await stack.start();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** The running portal; every helper the tests need. */
export class Stack {
  constructor({ bin, productionKdf = false, keep = Boolean(process.env.PORTAL_STACK_KEEP) }) {
    const dir = fs.existsSync(path.join(bin, 'bin')) ? path.join(bin, 'bin') : bin;
    this.bins = {
      gen: path.join(dir, 'portal-gen'),
      staff: path.join(dir, 'portal-staff'),
      daemon: path.join(dir, 'portal-mailboxd'),
    };
    this.productionKdf = productionKdf;
    this.keep = keep;
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-stack-'));
    fs.chmodSync(this.root, 0o700);
    this.children = new Map();  // name -> ChildProcess
    this.seenMail = new Set();
    this.stopped = false;
    this.onExit = () => this.killNow();
    process.on('exit', this.onExit);
  }

  async start() {
    for (const b of Object.values(this.bins)) {
      if (!fs.existsSync(b)) throw new Error(`missing ${b}: build it first`);
    }
    this.ports = { smtp: await freePort(), daemon: await freePort(), nginx: await freePort() };
    this.config = writeConfig(this.root, this.ports, { productionKdf: this.productionKdf });
    this.maildir = path.join(this.root, 'mail');
    await this.startSmtp();
    await runOk(this.bins.staff, ['init', '--config', this.config]);
    this.staffPerson = await newGpgPerson(path.join(this.root, 'staff-gnupg'),
      'Records Staff <rstaff@test.invalid>');
    await runOk(this.bins.staff, ['staff', 'add', '--key', this.staffPerson.keyFile,
      '--user', STAFF_USER, '--config', this.config]);
    await runOk(GPG, ['--homedir', this.staffPerson.home, '--batch', '--import',
      path.join(this.root, 'var', 'mailbox-service-key.asc')]);
    const extracts = path.join(this.root, 'var', 'extracts');
    fs.mkdirSync(extracts, { recursive: true });
    fs.writeFileSync(path.join(extracts, 'patients.ndjson'), extractText());
    await this.nightly();
    await this.startDaemon();
    await this.startNginx();
    this.origin = `http://127.0.0.1:${this.ports.nginx}`;
  }

  spawnChild(name, cmd, args, logName) {
    const log = fs.openSync(path.join(this.root, logName), 'a', 0o600);
    const child = spawn(cmd, args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.children.set(name, child);
    child.on('exit', () => this.children.delete(name));
    return child;
  }

  // Waits (at most 30 s) for `ready()`; fails if the child exits first.
  async waitFor(name, ready, logName) {
    for (let i = 0; i < 300; i += 1) {
      if (await ready()) return;
      if (!this.children.has(name)) break;
      await sleep(100);
    }
    const log = fs.readFileSync(path.join(this.root, logName), 'utf8').slice(-2000);
    throw new Error(`${name} did not come up: ${log}`);
  }

  async startSmtp() {
    // aiosmtpd's Mailbox handler is Python's mailbox.Maildir without create: the folder and its
    // tmp/new/cur must exist, or every delivery fails (and the daemon sees a broken server).
    for (const sub of ['', 'tmp', 'new', 'cur']) {
      fs.mkdirSync(path.join(this.maildir, sub), { mode: 0o700 });
    }
    this.spawnChild('aiosmtpd', PYTHON, smtpArgs(this.ports.smtp, this.maildir), 'aiosmtpd.log');
    await this.waitFor('aiosmtpd', () => accepts(this.ports.smtp), 'aiosmtpd.log');
  }

  async startDaemon() {
    this.spawnChild('portal-mailboxd', this.bins.daemon, ['--config', this.config],
      'mailboxd.log');
    const ready = `portal-mailboxd: listening on 127.0.0.1:${this.ports.daemon}\n`;
    await this.waitFor('portal-mailboxd', () =>
      fs.readFileSync(path.join(this.root, 'mailboxd.log'), 'utf8').includes(ready),
    'mailboxd.log');
  }

  async startNginx() {
    const dir = writeNginx(this.root, this.ports.nginx, this.ports.daemon);
    this.spawnChild('nginx', NGINX, ['-e', path.join(dir, 'error.log'), '-p', dir, '-c',
      path.join(dir, 'nginx.conf')], 'nginx.log');
    await this.waitFor('nginx', () => accepts(this.ports.nginx), 'nginx.log');
  }

  /** The address of `rel` under the site's base path ('account/' → …/portal-help/account/). */
  url(rel = '') {
    return `${this.origin}${BASE_PATH}${rel.replace(/^\//, '')}`;
  }

  /** The sign-in page. */
  get signInUrl() { return this.url('account/'); }

  /** The register address as the letter gives it (no final slash; the code in the fragment). */
  registerUrl(code) { return this.url(`account/register${code ? `#code=${code}` : ''}`); }

  /** The Forgot Password page. */
  get recoverUrl() { return this.url('account/recover/'); }

  /**
   * portal-staff with the staff member's GNUPGHOME and the stack's config; resolves stdout.
   * Rejects on a non-zero exit (stderr in the message, never stdout).
   * @param {string[]} args
   */
  staff(args) {
    return runOk(this.bins.staff, [...args, '--config', this.config],
      { GNUPGHOME: this.staffPerson.home });
  }

  /** The same, resolving {code, stdout, stderr} whatever the exit (for refusals). */
  staffRun(args) {
    return run(this.bins.staff, [...args, '--config', this.config],
      { GNUPGHOME: this.staffPerson.home });
  }

  /** `portal-gen nightly` now; resolves its report (stdout). */
  nightly() {
    return runOk(this.bins.gen, ['nightly', '--config', this.config]);
  }

  /**
   * A fresh activation code from `portal-staff activation-code --json`.
   * @param {string} mrn
   * @param {{proxy?: boolean, holder?: string}} [o] a proxy's code names the key holder.
   */
  async activationCode(mrn, o = {}) {
    const args = ['activation-code', '--mrn', mrn, '--json'];
    if (o.proxy) args.push('--proxy', '--key-holder', o.holder || 'Proxy holder');
    const out = await this.staff(args);
    const code = JSON.parse(out.slice(out.indexOf('{'))).code;
    if (typeof code !== 'string' || code.length === 0) {
      throw new Error('portal-staff activation-code gave no code');
    }
    return code;
  }

  /**
   * A fresh activation code with its printed letter (portal-staff activation-code --letter):
   * the register address the letter prints, on this stack's origin, with the code in the
   * fragment as the letter's QR code carries it. The letter is removed again.
   * @returns {Promise<{code: string, address: string}>}
   */
  async activationLetter(mrn) {
    const letter = path.join(this.root, 'activation-letter.html');
    fs.rmSync(letter, { force: true });
    const out = await this.staff(['activation-code', '--mrn', mrn, '--json', '--letter', letter]);
    const code = JSON.parse(out.slice(out.indexOf('{'))).code;
    const printed = /<span class="url">([^<]+)<\/span>/.exec(fs.readFileSync(letter, 'utf8'));
    fs.rmSync(letter, { force: true });
    if (!printed) throw new Error('the activation letter prints no register address');
    const at = new URL(printed[1].replaceAll('&amp;', '&'));
    return { code, address: `${this.origin}${at.pathname}#code=${code}` };
  }

  /**
   * Enrols `mrn` at the desk with a key made now in its own GnuPG home (a patient seen with
   * photo ID, as before accounts): the record a proxy's code can then be made for.
   */
  async deskEnroll(mrn) {
    this.deskKeys = (this.deskKeys || 0) + 1;
    const who = await newGpgPerson(path.join(this.root, `desk-key-${this.deskKeys}`),
      `Desk patient ${this.deskKeys} <desk${this.deskKeys}@patients.invalid>`);
    await this.staff(['enroll', '--mrn', mrn, '--key', who.keyFile]);
    return who;
  }

  /** Every mail so far: [{headers (lower-case names), body}]. */
  mails() {
    const dir = path.join(this.maildir, 'new');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).sort()
      .map((f) => ({ id: f, ...parseMail(fs.readFileSync(path.join(dir, f), 'utf8')) }));
  }

  /**
   * Waits (at most `timeoutMs`) for a mail to `to` not returned before; resolves its body.
   * Addresses are compared without case. The error never names the address.
   */
  async waitForMail(to, timeoutMs = 30000) {
    const want = to.toLowerCase();
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      for (const m of this.mails()) {
        if (this.seenMail.has(m.id)) continue;
        if ((m.headers.to || '').toLowerCase().includes(want)) {
          this.seenMail.add(m.id);
          return m.body;
        }
      }
      await sleep(100);
    }
    throw new Error('an awaited mail to an invented patient did not arrive');
  }

  // GNUPGHOMEs under the folder (their agents are stopped at the end).
  gpgHomes() {
    const homes = [];
    const walk = (dir, depth) => {
      let entries = [];
      try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
      if (entries.some((e) => e.name === 'pubring.kbx' || e.name === 'private-keys-v1.d')) {
        homes.push(dir);
      }
      if (depth > 0) {
        for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name), depth - 1);
      }
    };
    walk(this.root, 4);
    return homes;
  }

  /** Stops everything this stack started (daemon drained, agents ended) and removes the folder. */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    const order = ['nginx', 'portal-mailboxd', 'aiosmtpd'];
    for (const name of order) {
      const child = this.children.get(name);
      if (!child) continue;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await gone;
      clearTimeout(timer);
    }
    this.killAgents();
    process.off('exit', this.onExit);
    if (!this.keep) fs.rmSync(this.root, { recursive: true, force: true });
  }

  killAgents() {
    for (const home of this.gpgHomes()) {
      spawnSync('/usr/bin/gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
    }
  }

  // On a process exit that skipped stop(): nothing may be left running.
  killNow() {
    for (const child of this.children.values()) child.kill('SIGKILL');
    this.killAgents();
    if (!this.keep) fs.rmSync(this.root, { recursive: true, force: true });
  }
}

// The command line: --bin BUILD_DIR --serve [--production-kdf].
async function main() {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--bin');
  if (at < 0 || !argv.includes('--serve')) {
    console.error('usage: node tests/browser/portal_stack.mjs --bin BUILD_DIR --serve ' +
      '[--production-kdf]');
    process.exit(2);
  }
  const stack = await startStack({ bin: argv[at + 1],
    productionKdf: argv.includes('--production-kdf') });
  const quit = async () => { await stack.stop(); process.exit(0); };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, quit);
  const code = await stack.activationCode(PATIENTS.desk.mrn);
  console.log(`portal stack up in ${stack.root}`);
  console.log(`sign in:  ${stack.signInUrl}`);
  console.log(`register: ${stack.registerUrl(code)}`);
  console.log(`activation code ${code} (date of birth ${PATIENTS.desk.birthDate}, invented)`);
  console.log(`Forgot Password: ${stack.recoverUrl}`);
  console.log('e-mailed codes land in ' + path.join(stack.maildir, 'new') + '; Ctrl-C stops');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(String(err && err.stack || err));
    process.exit(1);
  });
}
