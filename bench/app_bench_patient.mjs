// The benchmark's patient with a large summary: bench/synth_fhir.py's ten-year adults (nobody
// real) added to the running stack's extract folder and ingested by `portal-gen nightly`; the
// one whose plaintext page (`portal-gen preview`) is nearest the wanted size is chosen. Only
// sizes are printed, never a name, MRN or date of birth.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

// synth_fhir.py's patients i with i % 25 in 3..8 are its edge cases (minors, the deceased,
// partial birth dates, hostile names): not what a patient signing in looks like.
const isPlainAdult = (i) => ![3, 4, 5, 6, 7, 8].includes(i % 25);

function runOk(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    const why = (r.stderr || '').trim();
    throw new Error(`${path.basename(cmd)} ${path.basename(args[0])} exited ${r.status}: ${why}`);
  }
  return r.stdout;
}

/**
 * Adds `candidates` synthetic patients to the stack, ingests them and picks the one whose
 * summary is nearest `targetBytes` of HTML.
 * @param {import('../tests/browser/portal_stack.mjs').Stack} stack a started stack
 * @param {{targetBytes?: number, candidates?: number}} [o]
 * @returns {Promise<{mrn: string, birthDate: string, htmlBytes: number, sizes: number[]}>}
 *   `sizes`: every candidate's page size (bytes), for the report
 */
export async function addLargePatient(stack, { targetBytes = 60000, candidates = 12 } = {}) {
  const synthDir = path.join(stack.root, 'bench-synth');
  // As of now: the nightly run applies its release rules at the real clock.
  const asOf = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  runOk(PYTHON, [path.join(HERE, 'synth_fhir.py'), synthDir, String(candidates), asOf]);
  const extracts = path.join(stack.root, 'var', 'extracts');
  for (const name of fs.readdirSync(synthDir).sort()) {
    fs.copyFileSync(path.join(synthDir, name), path.join(extracts, `bench-${name}`));
  }
  await stack.nightly();

  const births = new Map();
  const patients = fs.readFileSync(path.join(synthDir, 'Patient.000.ndjson'), 'utf8');
  for (const line of patients.split('\n').filter(Boolean)) {
    const p = JSON.parse(line);
    const mr = p.identifier.find((id) => id.type.coding.some((c) => c.code === 'MR'));
    births.set(mr.value, p.birthDate);
  }

  let best = null;
  const sizes = [];
  for (let i = 0; i < candidates; i += 1) {
    if (!isPlainAdult(i)) continue;
    const mrn = `M${String(100000 + i).padStart(6, '0')}`;
    const r = spawnSync(stack.bins.gen, ['preview', '--mrn', mrn, '--config', stack.config],
      { maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) continue;  // Not eligible today (the rules, not the bench, decide).
    const htmlBytes = r.stdout.length;
    sizes.push(htmlBytes);
    if (!best || Math.abs(htmlBytes - targetBytes) < Math.abs(best.htmlBytes - targetBytes)) {
      best = { mrn, birthDate: births.get(mrn), htmlBytes };
    }
  }
  if (!best || !/^\d{4}-\d{2}-\d{2}$/.test(best.birthDate || '')) {
    throw new Error('no synthetic adult with a summary was found');
  }
  return { ...best, sizes };
}
