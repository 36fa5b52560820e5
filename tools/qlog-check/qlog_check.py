#!/usr/bin/env python3
"""qlog-check FILE...: validates qlog 0.3 JSON-SEQ files (RFC 7464 records)
against the schema in qlog_schema.py with jsonschema, an independent parser
of quince's output. Exit 0 if every record of every file is a typed event,
1 otherwise (each failure printed), 2 on usage."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jsonschema  # noqa: E402
import qlog_schema as S  # noqa: E402


def check_file(path):
    errors = []
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        return [f"{path}: {e}"]
    if not blob.startswith(b"\x1e"):
        return [f"{path}: not a JSON-SEQ file (no leading RS)"]
    records = blob.split(b"\x1e")[1:]
    if not records:
        return [f"{path}: empty"]
    V = jsonschema.Draft202012Validator
    head_v = V(S.HEADER_RECORD)
    env_v = V(S.EVENT_ENVELOPE)
    data_v = {name: V(schema) for name, schema in S.EVENTS.items()}
    last_time = None
    for i, rec in enumerate(records):
        where = f"{path}: record {i}"
        if not rec.endswith(b"\n"):
            errors.append(f"{where}: does not end with LF (RFC 7464)")
        try:
            doc = json.loads(rec.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            errors.append(f"{where}: not JSON: {e}")
            continue
        if i == 0:
            for e in head_v.iter_errors(doc):
                errors.append(f"{where} (header): {e.json_path}: {e.message}")
            continue
        errs = list(env_v.iter_errors(doc))
        for e in errs:
            errors.append(f"{where}: {e.json_path}: {e.message}")
        if errs:
            continue
        for e in data_v[doc["name"]].iter_errors(doc["data"]):
            errors.append(f"{where} {doc['name']}: {e.json_path}: {e.message}")
        if last_time is not None and doc["time"] < last_time:
            errors.append(f"{where}: time {doc['time']} before {last_time}")
        last_time = doc["time"]
    return errors


def main(argv):
    if len(argv) < 2:
        print("usage: qlog_check.py FILE|DIR...", file=sys.stderr)
        return 2
    files = []
    for a in argv[1:]:
        if os.path.isdir(a):
            files += sorted(os.path.join(a, n) for n in os.listdir(a)
                            if n.endswith(".sqlog"))
        else:
            files.append(a)
    if not files:
        print("qlog-check: no .sqlog files", file=sys.stderr)
        return 1
    bad = 0
    for p in files:
        errs = check_file(p)
        for e in errs[:20]:
            print(e)
        if len(errs) > 20:
            print(f"{p}: ... {len(errs) - 20} more")
        bad += bool(errs)
    print(f"qlog-check: {len(files)} files, {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
