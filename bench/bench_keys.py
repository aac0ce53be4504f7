#!/usr/bin/env python3
"""Makes N synthetic patients' OpenPGP keys (ed25519 + cv25519, no passphrase) and enrols them
for the nightly benchmark: keys are generated in batches with `gpg --batch --gen-key`, exported
once, split into one binary key file per key (named by its v4 fingerprint, computed here from the
key packet), and written into the enrollment registry of an initialised state directory for the
synthetic MRNs of bench/synth_fhir.py (M100000 + i).

usage: bench_keys.py STATE_DIR N [KEY_CACHE_DIR]
KEY_CACHE_DIR keeps generated keys between runs (generation takes about 15 ms a key).
Everything is synthetic; the keys protect nothing real.
"""
import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

BATCH = 500


def packets(data):
    """Yields (tag, whole packet bytes, body) of an OpenPGP binary stream."""
    i = 0
    while i < len(data):
        b0 = data[i]
        if not b0 & 0x80:
            raise ValueError("not an OpenPGP packet")
        if b0 & 0x40:  # New format.
            tag = b0 & 0x3F
            b1 = data[i + 1]
            if b1 < 192:
                hlen, blen = 2, b1
            elif b1 < 224:
                hlen, blen = 3, ((b1 - 192) << 8) + data[i + 2] + 192
            elif b1 == 255:
                hlen, blen = 6, int.from_bytes(data[i + 2:i + 6], "big")
            else:
                raise ValueError("partial body length in a key export")
        else:
            tag = (b0 >> 2) & 0x0F
            ltype = b0 & 3
            size = {0: 1, 1: 2, 2: 4}[ltype]
            hlen, blen = 1 + size, int.from_bytes(data[i + 1:i + 1 + size], "big")
        yield tag, data[i:i + hlen + blen], data[i + hlen:i + hlen + blen]
        i += hlen + blen


def split_keys(data):
    """[(fingerprint, key bytes)] for each transferable public key in `data`."""
    keys = []
    for tag, whole, body in packets(data):
        if tag == 6:  # Public-key packet: a new key starts.
            fpr = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()
            keys.append([fpr, bytearray()])
        keys[-1][1] += whole
    return [(f, bytes(b)) for f, b in keys]


def generate(cache, batch, count):
    out = os.path.join(cache, f"batch-{batch:04d}.pgp")
    if os.path.exists(out):
        return out
    home = os.path.join(cache, f"home-{batch:04d}")
    os.makedirs(home, mode=0o700, exist_ok=True)
    with open(os.path.join(home, "gpg.conf"), "w") as f:
        f.write("no-random-seed-file\n")
    params = "".join(
        "Key-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\nSubkey-Type: ecdh\n"
        f"Subkey-Curve: cv25519\nSubkey-Usage: encrypt\nName-Real: Synthetic {batch}-{i}\n"
        "Expire-Date: 0\n%no-protection\n%commit\n" for i in range(count))
    subprocess.run(["gpg", "--homedir", home, "--batch", "--gen-key"], input=params.encode(),
                   check=True, capture_output=True)
    data = subprocess.run(["gpg", "--homedir", home, "--export"], check=True,
                          capture_output=True).stdout
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False)
    with open(out + ".tmp", "wb") as f:
        f.write(data)
    os.rename(out + ".tmp", out)
    return out


def main():
    state, n = sys.argv[1], int(sys.argv[2])
    cache = sys.argv[3] if len(sys.argv) > 3 else os.path.join(state, "bench-key-cache")
    os.makedirs(cache, exist_ok=True)
    start = time.time()
    batches = (n + BATCH - 1) // BATCH
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        files = list(pool.map(lambda b: generate(cache, b, BATCH), range(batches)))
    keys = []
    for path in files:
        with open(path, "rb") as f:
            keys += split_keys(f.read())
    keys = keys[:n]
    if len(keys) < n:
        sys.exit(f"only {len(keys)} keys generated")
    keydir = os.path.join(state, "keys")
    db = sqlite3.connect(os.path.join(state, "registry.sqlite"))
    now = int(time.time())
    pinned = any(c[1] == "patient_id" for c in db.execute("PRAGMA table_info(enrollments)"))
    with db:
        for i, (fpr, data) in enumerate(keys):
            with open(os.path.join(keydir, fpr + ".asc"), "wb") as f:
                f.write(data)
            mrn = f"M{100000 + i:06d}"
            if pinned:
                db.execute("INSERT INTO enrollments(mrn, token, enrolled_at, patient_id) "
                           "VALUES(?, ?, ?, ?)", (mrn, secrets.token_hex(16), now, f"p{i:06d}"))
            else:  # A registry from before patient ids were pinned.
                db.execute("INSERT INTO enrollments(mrn, token, enrolled_at) VALUES(?, ?, ?)",
                           (mrn, secrets.token_hex(16), now))
            db.execute("INSERT INTO keys(mrn, fingerprint, role, expires, added_at) "
                       "VALUES(?, ?, 'patient', 0, ?)", (mrn, fpr, now))
    db.close()
    print(f"bench_keys: {n} patients enrolled with their own keys in {time.time() - start:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
