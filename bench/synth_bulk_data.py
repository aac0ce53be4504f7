#!/usr/bin/env python3
"""Turns bench/synth_fhir.py's NDJSON into a DATA folder for tests/bulk_data_server.py.

    python3 bench/synth_bulk_data.py SYNTH_DIR DATA_DIR TYPES LAST_UPDATED

Writes DATA_DIR/<Type>.ndjson for each type of TYPES (comma-separated) that SYNTH_DIR has
(<Type>.000.ndjson), minified as written, each line given meta.lastUpdated = LAST_UPDATED (a
FHIR instant) right after its resourceType. Synthetic data only.
"""
import os
import sys

src, dst, types, stamp = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
os.makedirs(dst, exist_ok=True)
for t in types:
    path = os.path.join(src, t + ".000.ndjson")
    if not os.path.exists(path):
        continue
    head = '{"resourceType":"%s",' % t
    meta = head + '"meta":{"lastUpdated":"%s"},' % stamp
    with open(path) as f, open(os.path.join(dst, t + ".ndjson"), "w") as out:
        for line in f:
            assert line.startswith(head) and '"meta"' not in line, path
            out.write(meta + line[len(head):])
