#!/usr/bin/env python3
"""check_key_chain.py KEYLOG QLOG...: the 1-RTT secrets of every
security:key_updated in a qlog file that was written with a key log. For
client_1rtt_secret and server_1rtt_secret: generation 0 is the key log's
CLIENT/SERVER_TRAFFIC_SECRET_0, and each later generation N carries old (the
secret of N-1, as logged) and new = HKDF-Expand-Label(old, "quic ku", "",
Hash.length) (RFC 9001 §6.1), up to at least generation 1 (--min-gen N:
N). With --empty: a
file written without a key log, where every new and old is the empty
hexstring but a 1-RTT key update still carries both fields."""
import hashlib
import hmac
import json
import sys


def ku(secret):
    h = hashlib.sha384 if len(secret) == 48 else hashlib.sha256
    label = b"tls13 quic ku"
    info = len(secret).to_bytes(2, "big") + bytes([len(label)]) + label + b"\x00"
    return hmac.new(secret, info + b"\x01", h).digest()[:len(secret)]


def events(path):
    with open(path, "rb") as f:
        for rec in f.read().split(b"\x1e")[1:]:
            doc = json.loads(rec)
            if doc.get("name") == "security:key_updated":
                yield doc["data"]


def main(argv):
    args = argv[1:]
    empty = args[:1] == ["--empty"]
    if empty:
        args = args[1:]
    min_gen = 1
    if args[:1] == ["--min-gen"]:
        min_gen, args = int(args[1]), args[2:]
    keylog = {}
    if not empty:
        with open(args[0]) as f:
            for line in f:
                p = line.split()
                if len(p) == 3:
                    keylog.setdefault(p[0], p[2])
        args = args[1:]
    bad = 0
    for path in args:
        for kt, label in (("client_1rtt_secret", "CLIENT_TRAFFIC_SECRET_0"),
                          ("server_1rtt_secret", "SERVER_TRAFFIC_SECRET_0")):
            prev, gens, trig = None, [], set()
            for d in (d for d in events(path) if d["key_type"] == kt):
                g = d.get("generation")
                where = f"{path}: {kt} generation {g}"
                upd = d.get("trigger") in ("local_update", "remote_update")
                if upd and ("old" not in d or "new" not in d):
                    print(f"FAIL {where}: a key update without old and new"); bad += 1
                    continue
                gens.append(g)
                trig.add(d.get("trigger"))
                if empty:
                    if d.get("new") or d.get("old"):
                        print(f"FAIL {where}: a secret without a key log"); bad += 1
                    continue
                new = bytes.fromhex(d["new"])
                if not upd:
                    if d["new"] != keylog.get(label):
                        print(f"FAIL {where}: new is not the key log's {label}"); bad += 1
                elif prev is None or d["old"] != prev.hex():
                    print(f"FAIL {where}: old is not generation {g - 1}'s new"); bad += 1
                elif new != ku(bytes.fromhex(d["old"])):
                    print(f"FAIL {where}: new is not HKDF-Expand-Label(old, \"quic ku\")"); bad += 1
                prev = new
            if gens != list(range(len(gens))) or len(gens) <= min_gen:
                print(f"FAIL {path}: {kt} generations {gens}, want 0 to {min_gen} or more"
                      " in order"); bad += 1
            else:
                print(f"ok   {path}: {kt} generations 0..{gens[-1]} ({', '.join(sorted(trig))})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
