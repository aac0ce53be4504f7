#!/usr/bin/env python3
"""Checks a FHIR extract folder as bench/synth_fhir.py writes it: every .ndjson line and every
.json file parses as JSON; every resource has a resourceType and an id, unique per type; an NDJSON
file named TYPE.*.ndjson holds only TYPE; and every reference resolves to a resource in the
output: "Type/id", "urn:uuid:..." (a fullUrl of the same Bundle), "#id" (a contained resource of
the same resource) or "Type?identifier=system|value" (exactly one resource of that type with that
identifier). Prints resources per type and exits 1 on any problem. Problems name the file, line
and field path, never a value from a record.

usage: check_fhir_refs.py DIR [--quiet]
"""
import collections
import json
import os
import sys

MAX_PROBLEMS = 50


class Check:
    def __init__(self):
        self.resources = {}  # "Type/id": where.
        self.identifiers = collections.Counter()  # (type, system, value).
        self.refs = []  # (where, path, reference, bundle urls, contained ids).
        self.types = collections.Counter()
        self.problems = []
        self.bytes = 0

    def problem(self, where, what):
        self.problems.append(f"{where}: {what}")

    def resource(self, r, where, urls):
        if not isinstance(r, dict) or not isinstance(r.get("resourceType"), str):
            return self.problem(where, "no resourceType")
        kind, rid = r["resourceType"], r.get("id")
        if not isinstance(rid, str) or not rid:
            return self.problem(where, f"{kind} without an id")
        key = f"{kind}/{rid}"
        if key in self.resources:
            self.problem(where, f"a second {kind} with the id of {self.resources[key]}")
        self.resources[key] = where
        self.types[kind] += 1
        for ident in r.get("identifier") or []:
            if isinstance(ident, dict):
                self.identifiers[(kind, ident.get("system"), ident.get("value"))] += 1
        contained = {c.get("id") for c in r.get("contained") or [] if isinstance(c, dict)}
        self.walk(r, "", where, urls, contained)

    def walk(self, value, path, where, urls, contained):
        if isinstance(value, dict):
            target = value.get("reference")
            if isinstance(target, str):
                self.refs.append((where, path + ".reference", target, urls, contained))
            for k, v in value.items():
                if k != "reference":
                    self.walk(v, f"{path}.{k}" if path else k, where, urls, contained)
        elif isinstance(value, list):
            for n, v in enumerate(value):
                self.walk(v, f"{path}[{n}]", where, urls, contained)

    def document(self, doc, where, expect_type=None):
        if isinstance(doc, dict) and doc.get("resourceType") == "Bundle":
            entries = doc.get("entry") or []
            urls = {e["fullUrl"] for e in entries if isinstance(e, dict) and "fullUrl" in e}
            if len(urls) != sum(1 for e in entries if isinstance(e, dict) and "fullUrl" in e):
                self.problem(where, "two entries with one fullUrl")
            for n, e in enumerate(entries):
                self.resource(e.get("resource") if isinstance(e, dict) else None,
                              f"{where} entry[{n}]", urls)
            return
        if expect_type and isinstance(doc, dict) and doc.get("resourceType") != expect_type:
            self.problem(where, f"a {doc.get('resourceType')} in a {expect_type} file")
        self.resource(doc, where, set())

    def file(self, path):
        name = os.path.basename(path)
        self.bytes += os.path.getsize(path)
        if name.endswith(".ndjson"):
            expect = name.split(".")[0] if name[0].isupper() else None
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if line.strip():
                        self.parse(line, f"{name}:{number}", expect)
        else:
            with open(path, encoding="utf-8") as f:
                self.parse(f.read(), f"{name}:1", None)

    def parse(self, text, where, expect):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            return self.problem(where, f"malformed JSON (column {e.colno})")
        self.document(doc, where, expect)

    def resolve(self):
        for where, path, target, urls, contained in self.refs:
            kind = target.split("?")[0].split("/")[0] if target[:1].isupper() else ""
            if target.startswith("#"):
                ok = target[1:] in contained
            elif target.startswith("urn:uuid:"):
                ok = target in urls
            elif "?identifier=" in target:
                system, _, value = target.split("?identifier=", 1)[1].partition("|")
                ok = self.identifiers[(kind, system, value)] == 1
            else:
                ok = target.split("/_history/")[0] in self.resources
            if not ok:
                self.problem(where, f"{path} ({kind or target.split(':')[0]} reference) does not "
                             "resolve")


def main():
    args = [a for a in sys.argv[1:] if a != "--quiet"]
    if len(args) != 1 or not os.path.isdir(args[0]):
        sys.exit("usage: check_fhir_refs.py DIR [--quiet]")
    c = Check()
    names = sorted(n for n in os.listdir(args[0]) if n.endswith((".ndjson", ".json")))
    for name in names:
        c.file(os.path.join(args[0], name))
    c.resolve()
    if "--quiet" not in sys.argv:
        for kind, count in sorted(c.types.items()):
            print(f"{kind:28} {count:9}")
    print(f"{sum(c.types.values())} resources in {len(names)} files, {c.bytes / 1e6:.1f} MB; "
          f"{len(c.refs)} references; {len(c.problems)} problems")
    for p in c.problems[:MAX_PROBLEMS]:
        print(p, file=sys.stderr)
    if len(c.problems) > MAX_PROBLEMS:
        print(f"... and {len(c.problems) - MAX_PROBLEMS} more", file=sys.stderr)
    sys.exit(1 if c.problems else 0)


if __name__ == "__main__":
    main()
