// What the app costs on the wire: every response a page receives, from the DevTools protocol's
// Network events (the same figures as DevTools' "transferred" column: encodedDataLength, headers
// included), grouped by what it is, with the encoding the server used. Responses sent without
// compression get their gzip size computed here (zlib level 6 and nginx's default level 1)
// from the body the browser received, so the report can say what gzip would save.
import zlib from 'node:zlib';

// What a URL is, for the report (the site's base path is /portal-help/).
function groupOf(url) {
  const p = new URL(url).pathname;
  if (p.includes('/assets/openpgp-')) return 'OpenPGP.js';
  if (p.includes('/assets/argon2id-')) return 'Argon2id';
  if (p.includes('/assets/app-')) return 'app files';
  if (p.includes('/assets/')) return 'site CSS';
  if (p.startsWith('/portal-mailbox/')) return 'daemon API';
  if (p.includes('/patients/')) return 'sealed pages';
  if (p.includes('/account/')) return 'app page (HTML)';
  return 'other';
}

// A path fit for a report: tokens, receipts and reply names replaced.
function sealedPath(url) {
  return new URL(url).pathname.replace(/[0-9a-f]{32}/g, '<token>')
    .replace(/\/receipts\/[^/]+$/, '/receipts/<id>')
    .replace(/\/replies\/[^/]+$/, '/replies/<name>');
}

const COMPRESSIBLE = /^(text\/|application\/(javascript|json|wasm|problem\+json|pgp-keys))/;

/** Records every response of one page (attach before navigating). */
export class NetworkLog {
  /** @param {import('playwright-core').CDPSession} cdp the page's session */
  constructor(cdp) {
    this.cdp = cdp;
    this.requests = new Map();  // requestId -> entry
    this.lastActivity = Date.now();
    cdp.on('Network.requestWillBeSent', (e) => {
      this.lastActivity = Date.now();
      if (e.request.url.startsWith('data:') || e.request.url.startsWith('about:')) return;
      this.requests.set(e.requestId, { url: e.request.url, group: groupOf(e.request.url),
        status: 0, encoding: '', mime: '', cached: false, transferred: 0, body: 0,
        finished: false });
    });
    cdp.on('Network.requestServedFromCache', (e) => {
      const r = this.requests.get(e.requestId);
      if (r) r.cached = true;
    });
    cdp.on('Network.responseReceived', (e) => {
      const r = this.requests.get(e.requestId);
      if (!r) return;
      const headers = Object.fromEntries(Object.entries(e.response.headers)
        .map(([k, v]) => [k.toLowerCase(), v]));
      r.status = e.response.status;
      r.encoding = headers['content-encoding'] || '';
      r.mime = (headers['content-type'] || e.response.mimeType || '').split(';')[0];
      if (e.response.fromDiskCache || e.response.fromPrefetchCache) r.cached = true;
    });
    cdp.on('Network.dataReceived', (e) => {
      const r = this.requests.get(e.requestId);
      if (r) r.body += e.dataLength;
    });
    cdp.on('Network.loadingFailed', (e) => {
      const r = this.requests.get(e.requestId);
      if (r) r.failed = true;
      this.lastActivity = Date.now();
    });
    cdp.on('Network.loadingFinished', (e) => {
      this.lastActivity = Date.now();
      const r = this.requests.get(e.requestId);
      if (!r) return;
      r.transferred = e.encodedDataLength;
      r.finished = true;
      if (!r.encoding && !r.cached && r.status === 200 && COMPRESSIBLE.test(r.mime)) {
        r.pending = this.gzipSizes(e.requestId, r);
      }
    });
  }

  async gzipSizes(requestId, r) {
    try {
      const { body, base64Encoded } = await this.cdp.send('Network.getResponseBody',
        { requestId });
      const bytes = Buffer.from(body, base64Encoded ? 'base64' : 'utf8');
      r.gzip6 = zlib.gzipSync(bytes, { level: 6 }).length;
      r.gzip1 = zlib.gzipSync(bytes, { level: 1 }).length;
    } catch {
      // The body is gone (e.g. the page navigated): no estimate for this one.
    }
  }

  /**
   * Resolves once no request has been open for `quietMs` (Playwright's "networkidle" does not
   * settle once the summary's srcdoc frame exists, so the log's own view is used).
   */
  async idle(quietMs = 500, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = [...this.requests.values()].some((r) => !r.finished && !r.failed);
      if (!open && Date.now() - this.lastActivity >= quietMs) return;
      if (Date.now() > deadline) throw new Error('the network did not go quiet');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Starts a new tally (the responses so far are forgotten). */
  reset() {
    this.requests.clear();
  }

  /**
   * The tally since the last reset.
   * @returns {Promise<{groups: object[], total: object, files: object[]}>}
   */
  async summary() {
    await Promise.all([...this.requests.values()].map((r) => r.pending).filter(Boolean));
    const files = [...this.requests.values()].filter((r) => r.finished);
    const groups = new Map();
    const total = { group: 'total', count: 0, cached: 0, transferred: 0, body: 0,
      uncompressed: 0, gzip6: 0, gzip1: 0 };
    for (const f of files) {
      if (!groups.has(f.group)) {
        groups.set(f.group, { group: f.group, count: 0, cached: 0, transferred: 0, body: 0,
          uncompressed: 0, gzip6: 0, gzip1: 0, encodings: new Set() });
      }
      for (const g of [groups.get(f.group), total]) {
        g.count += 1;
        if (f.cached) g.cached += 1;
        g.transferred += f.cached ? 0 : f.transferred;
        g.body += f.body;
        if (!f.cached && f.status === 200 && !f.encoding && f.gzip6) {
          g.uncompressed += f.transferred;
          g.gzip6 += f.gzip6;
          g.gzip1 += f.gzip1;
        }
      }
      groups.get(f.group).encodings.add(f.cached ? 'cache' : `${f.status}${f.encoding
        ? ` ${f.encoding}` : ''}`);
    }
    return {
      groups: [...groups.values()].map((g) => ({ ...g, encodings: [...g.encodings].sort() })),
      total,
      files: files.map(({ url, group, status, encoding, mime, cached, transferred, body, gzip6,
        gzip1 }) => ({ path: sealedPath(url), group, status, encoding, mime, cached,
        transferred, body, gzip6, gzip1 })),
    };
  }
}
