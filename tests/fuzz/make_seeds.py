#!/usr/bin/env python3
"""Writes the FHIR seed corpora of tests/fuzz (fhir_reader, release_policy) from
../shared/fhir-samples and bench/synth_fhir.py: small, real-shaped inputs (4 KB for the reader, 8 KB for the release policy).
Names, notes and free-text values carry the marker QX7, so a target can tell a record's values
from what its errors may name. Deterministic; run from the repository root:

    python3 tests/fuzz/make_seeds.py ../shared/fhir-samples/us-core-bundles
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MARKED = {"family", "given", "valueString", "conclusion", "line", "city", "note"}
LIMIT = 8 * 1024        # A release_policy seed: one patient's records.
READER_LIMIT = 4 * 1024  # A fhir_reader seed (its -max_len is 4096).
# What the summary reads, the Patient, and a type the config skips (Claim).
SUMMARY_TYPES = {"AllergyIntolerance", "Condition", "DiagnosticReport", "Immunization",
                 "MedicationRequest", "Observation", "Procedure", "Encounter", "Patient", "Claim",
                 "RelatedPerson", "Goal", "Coverage"}


def mark(node, key=""):
    """Prefixes QX7 to the free-text values a person could be known by."""
    if isinstance(node, dict):
        return {k: mark(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [mark(v, key) for v in node]
    if isinstance(node, str) and key in MARKED:
        return "QX7" + node
    return node


def line(resource):
    return json.dumps(mark(resource), separators=(",", ":"))


def write(folder, name, text):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        f.write(text)


def fit(lines, limit=LIMIT):
    """As many of `lines` (first ones first) as fit in `limit` bytes."""
    out, size = [], 0
    for item in lines:
        if size + len(item) + 1 > limit:
            break
        out.append(item)
        size += len(item) + 1
    return out


def main():
    samples = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "..", "shared", "fhir-samples", "us-core-bundles")
    reader = os.path.join(HERE, "corpus", "fhir_reader")
    policy = os.path.join(HERE, "corpus", "release_policy")
    # One small transaction Bundle per resource type of the largest US Core sample, with its
    # patient; and the smallest sample whole.
    by_type = {}
    for name in sorted(os.listdir(samples)):
        bundle = json.load(open(os.path.join(samples, name)))
        entries = bundle.get("entry", [])
        patient = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
        if len(entries) < 10:
            write(reader, "uscore-small.json", json.dumps(mark(bundle), indent=1))
            continue
        for e in entries:
            by_type.setdefault(e["resource"]["resourceType"], []).append(e)
        for t in sorted(by_type):
            if t == "Patient" or t not in SUMMARY_TYPES:
                continue
            b = {"resourceType": "Bundle", "type": "transaction", "entry": patient + by_type[t][:1]}
            text = json.dumps(mark(b), separators=(",", ":"))
            if len(text) <= READER_LIMIT:
                write(reader, "uscore-%s.json" % t, text)
    # NDJSON as a Bulk Data export writes it: the synthetic generator's first patients.
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "synth_fhir.py"), tmp, "3"],
                       check=True, stdout=subprocess.DEVNULL)
        per_patient = {}
        for name in sorted(os.listdir(tmp)):
            rows = [json.loads(l) for l in open(os.path.join(tmp, name)) if l.strip()]
            if rows and rows[0]["resourceType"] in SUMMARY_TYPES:
                write(reader, "synth-" + name, "\n".join(fit([line(r) for r in rows[:4]], READER_LIMIT)) + "\n")
            for r in rows:
                subject = (r.get("subject") or r.get("patient") or {}).get("reference", "")
                pid = r["id"] if r["resourceType"] == "Patient" else subject.split("/")[-1]
                per_patient.setdefault(pid, []).append(r)
        # The release policy reads one patient's records: the Patient first, then a few of each
        # type (results with their reports), as one NDJSON text.
        for pid in sorted(per_patient)[:3]:
            rows = per_patient[pid]
            first = [r for r in rows if r["resourceType"] == "Patient"]
            seen, rest = {}, []
            for r in rows:
                t = r["resourceType"]
                if t != "Patient" and seen.get(t, 0) < 3:
                    seen[t] = seen.get(t, 0) + 1
                    rest.append(r)
            write(policy, "synth-%s.ndjson" % pid, "\n".join(fit([line(r) for r in first + rest])) + "\n")
    # Deletions, as a Bulk Data deleted[] file carries them.
    write(reader, "deleted.ndjson", json.dumps({"resourceType": "Bundle", "type": "transaction",
        "entry": [{"request": {"method": "DELETE", "url": "Observation/p000000-o2"}},
                  {"request": {"method": "DELETE", "url": "https://other.example/fhir/Patient/x"}}]}) + "\n")


if __name__ == "__main__":
    main()
