#!/usr/bin/env python3
"""Mutation testing driver for make mutants (tools/mutants.sh sets it up).

Mutants come from universalmutator (`mutate FILE --noCheck`), restricted to lines
inside braces (function bodies and tables), so declarations and signatures are not
mutated into code that cannot compile. The pool of every target file is shuffled with
a fixed seed; each drawn mutant is applied to the copy of the tree in SRC (never the
repository), then:
  1. its object alone is rebuilt: a compile error makes it "stillborn";
  2. an object identical to the pristine one is "equivalent" (trivial compiler
     equivalence: the compiler proved the change means nothing);
  3. otherwise the test programs are relinked and CTest runs (the fast suites, a
     timeout per test and per mutant): any failure or timeout "kills" it, a green run
     means it "survived".
Only mutants that reach step 3 count toward the sample size and the kill rate.
The source file is restored after every mutant, also on Ctrl-C. Every outcome is
appended to LOG (JSON lines) as it happens; the markdown report is written from it.
"""
import argparse
import difflib
import fnmatch
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time


def body_lines(text):
    """1-based numbers of the lines that start inside braces, ignoring comments,
    strings, character constants and preprocessor lines."""
    lines = []
    depth = 0
    in_block_comment = False
    for no, line in enumerate(text.split("\n"), 1):
        start_depth = depth
        stripped = line.lstrip()
        if not in_block_comment and stripped.startswith("#"):
            continue
        i = 0
        quote = None
        while i < len(line):
            ch = line[i]
            nxt = line[i + 1] if i + 1 < len(line) else ""
            if in_block_comment:
                if ch == "*" and nxt == "/":
                    in_block_comment = False
                    i += 1
            elif quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = None
            elif ch == "/" and nxt == "*":
                in_block_comment = True
                i += 1
            elif ch == "/" and nxt == "/":
                break
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            i += 1
        if start_depth > 0 and depth > 0 and stripped and not stripped.startswith(("/*", "*", "//")):
            lines.append(no)
    return lines


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]


def generate(mutate, src_file, rel, gen_dir):
    """Mutants of one file, cached by the file's content hash."""
    h = sha(src_file)
    flat = rel.replace("/", "__")
    out = os.path.join(gen_dir, flat + "." + h)
    done = os.path.join(out, ".done")
    if not os.path.exists(done):
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        lines_file = os.path.join(out, ".lines")
        with open(lines_file, "w") as f:
            f.write("\n".join(map(str, body_lines(open(src_file).read()))) + "\n")
        subprocess.run([mutate, src_file, "--noCheck", "--lines", lines_file,
                        "--mutantDir", out], check=True, cwd=out,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        open(done, "w").close()
    base = os.path.basename(rel)[:-2]
    names = [n for n in os.listdir(out) if n.startswith(base + ".mutant.")]
    names.sort(key=lambda n: int(n.split(".")[-2]))
    return [(rel, os.path.join(out, n), int(n.split(".")[-2])) for n in names]


def diff_of(orig_text, mut_text):
    a = orig_text.split("\n")
    b = mut_text.split("\n")
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            return i1 + 1, a[i1:i2], b[j1:j2]
    return 0, [], []


def run(cmd, timeout=None, cwd=None):
    """Runs cmd in a process group of its own, so that a timeout or an interrupt
    also ends the test programs ctest started (a mutant that loops forever would
    otherwise keep running after ctest is killed)."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace", start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return "timeout", out
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise


def on_signal(signum, frame):
    raise KeyboardInterrupt


def object_of(build, src_file):
    """The ninja target of the object built from src_file (compile_commands.json)."""
    for entry in json.load(open(os.path.join(build, "compile_commands.json"))):
        if os.path.realpath(entry["file"]) == os.path.realpath(src_file):
            args = entry["command"].split()
            return args[args.index("-o") + 1]
    raise SystemExit(f"mutants: no compile command for {src_file}")


def failed_tests(output):
    names = []
    grab = False
    for line in output.splitlines():
        if "The following tests FAILED" in line:
            grab = True
            continue
        if grab and " - " in line:
            names.append(line.split(" - ")[1].split()[0])
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--mutate", required=True)
    ap.add_argument("--files", nargs="+", required=True)
    ap.add_argument("--sample", type=int, default=0, help="0: every mutant")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exclude", default="^check_")
    ap.add_argument("--test-timeout", type=int, default=30)
    ap.add_argument("--mutant-timeout", type=int, default=120)
    ap.add_argument("--minutes", type=float, default=0, help="stop after this long")
    ap.add_argument("--jobs", default="2")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--report-only", action="store_true")
    a = ap.parse_args()
    # Stop cleanly on Ctrl-C and on kill, also when started in the background
    # (where a shell leaves SIGINT ignored): the copy is restored, the report written.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    if a.report_only:
        write_report(a, load_log(a.log))
        return

    files = sorted(a.files)
    pool = []
    pool_size = {}
    for rel in files:
        ms = generate(a.mutate, os.path.join(a.src, rel), rel, a.gen)
        pool_size[rel] = len(ms)
        pool.extend(ms)
    random.Random(a.seed).shuffle(pool)
    meta = {"pool": pool_size, "seed": a.seed, "sample": a.sample, "exclude": a.exclude}
    with open(a.log + ".meta", "w") as f:
        json.dump(meta, f)
    print(f"mutants: {len(pool)} generated over {len(files)} files, seed {a.seed}", flush=True)

    rc, out = run(["ctest", "-N"], cwd=a.build)
    tests = re.findall(r"^\s*Test\s+#\d+: (\S+)", out, re.M)
    # Only tests that are ninja targets of their own (test programs, fuzz
    # replays); script tests such as check_linkage, check_install or
    # check_qlog_schema run against what those targets build.
    rc, out = run(["ninja", "-C", a.build, "-t", "targets", "all"])
    known = set(re.findall(r"^(\S+): ", out, re.M))
    targets = [t for t in tests if t in known]
    ninja = ["ninja", "-C", a.build, "-j", a.jobs]
    ctest = ["ctest", "-j", a.jobs, "--timeout", str(a.test_timeout), "--stop-on-failure",
             "--output-on-failure"]
    if a.exclude:
        ctest += ["-E", a.exclude]

    pristine = {}
    objects = {}
    for rel in files:
        path = os.path.join(a.src, rel)
        pristine[rel] = open(path).read()
        objects[rel] = os.path.join(a.build, object_of(a.build, path))

    rc, out = run(ninja + targets)
    if rc != 0:
        sys.exit("mutants: the pristine copy does not build:\n" + out)
    pristine_obj = {rel: open(objects[rel], "rb").read() for rel in files}
    t0 = time.time()
    rc, out = run(ctest, timeout=a.mutant_timeout, cwd=a.build)
    if rc != 0:
        sys.exit("mutants: the pristine copy fails its tests:\n" + out)
    print(f"mutants: pristine suite green in {time.time() - t0:.1f}s", flush=True)

    results = load_log(a.log) if a.resume else []
    if not a.resume and os.path.exists(a.log):
        os.remove(a.log)
    seen = {r["id"] for r in results}
    tested = sum(1 for r in results if r["outcome"] in ("killed", "survived"))
    start = time.time()
    log = open(a.log, "a")
    try:
        for rel, mpath, no in pool:
            if a.sample and tested >= a.sample:
                break
            if a.minutes and time.time() - start > a.minutes * 60:
                print("mutants: time budget spent", flush=True)
                break
            mid = f"{rel}#{no}"
            if mid in seen:
                continue
            mtext = open(mpath).read()
            line, old, new = diff_of(pristine[rel], mtext)
            rec = {"id": mid, "file": rel, "line": line, "old": old, "new": new,
                   "seed": a.seed}
            src_path = os.path.join(a.src, rel)
            t1 = time.time()
            try:
                with open(src_path, "w") as f:
                    f.write(mtext)
                rc, out = run(ninja + [os.path.relpath(objects[rel], a.build)])
                if rc != 0:
                    rec["outcome"] = "stillborn"
                elif open(objects[rel], "rb").read() == pristine_obj[rel]:
                    rec["outcome"] = "equivalent"
                else:
                    rc, out = run(ninja + targets)
                    if rc != 0:
                        rec["outcome"] = "stillborn"
                    else:
                        rc, out = run(ctest, timeout=a.mutant_timeout, cwd=a.build)
                        if rc == 0:
                            rec["outcome"] = "survived"
                        else:
                            rec["outcome"] = "killed"
                            rec["by"] = "timeout" if rc == "timeout" else \
                                (",".join(failed_tests(out)) or "ctest")
                        tested += 1
            finally:
                with open(src_path, "w") as f:
                    f.write(pristine[rel])
            rec["seconds"] = round(time.time() - t1, 1)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            results.append(rec)
            if rec["outcome"] in ("killed", "survived"):
                print(f"mutants: [{tested}] {rel}:{line} {rec['outcome']}"
                      f" {rec.get('by', '')} ({rec['seconds']}s)", flush=True)
    except KeyboardInterrupt:
        print("mutants: interrupted; the report covers what ran", flush=True)
    finally:
        log.close()
        # Leave the copy buildable and unmutated for the next run.
        for rel in files:
            p = os.path.join(a.src, rel)
            if open(p).read() != pristine[rel]:
                with open(p, "w") as f:
                    f.write(pristine[rel])
    write_report(a, results)


def load_log(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]


def write_report(a, results):
    meta = {}
    if os.path.exists(a.log + ".meta"):
        meta = json.load(open(a.log + ".meta"))
    per = {}
    for r in results:
        d = per.setdefault(r["file"], {"killed": 0, "survived": 0, "stillborn": 0,
                                       "equivalent": 0})
        d[r["outcome"]] += 1
    total_k = sum(d["killed"] for d in per.values())
    total_s = sum(d["survived"] for d in per.values())
    out = ["# quince mutation testing (make mutants)", ""]
    out.append(f"Seed {meta.get('seed', '?')}, sample {meta.get('sample', '?')} tested mutants "
               f"(0: all); tests excluded: `{meta.get('exclude', '')}`. "
               "Stillborn: did not compile; equivalent: same object code as the original "
               "(not counted). Kill rate = killed / (killed + survived).")
    out.append("")
    out.append("| file | pool | tested | killed | survived | kill rate | stillborn | equivalent (same object) |")
    out.append("|---|---|---|---|---|---|---|---|")
    for f in sorted(per):
        d = per[f]
        t = d["killed"] + d["survived"]
        rate = f"{100.0 * d['killed'] / t:.0f}%" if t else "-"
        out.append(f"| {f} | {meta.get('pool', {}).get(f, '?')} | {t} | {d['killed']} | "
                   f"{d['survived']} | {rate} | {d['stillborn']} | {d['equivalent']} |")
    t = total_k + total_s
    rate = f"{100.0 * total_k / t:.0f}%" if t else "-"
    out.append(f"| total | {sum(meta.get('pool', {}).values()) if meta else '?'} | {t} | "
               f"{total_k} | {total_s} | {rate} | "
               f"{sum(d['stillborn'] for d in per.values())} | "
               f"{sum(d['equivalent'] for d in per.values())} |")
    out.append("")
    out.append("## Surviving mutants")
    out.append("")
    surv = sorted((r for r in results if r["outcome"] == "survived"),
                  key=lambda r: (r["file"], r["line"]))
    for r in surv:
        out.append(f"### {r['file']}:{r['line']} ({r['id']})")
        out.append("")
        out.append("```diff")
        out.extend("-" + l for l in r["old"])
        out.extend("+" + l for l in r["new"])
        out.append("```")
        out.append("")
    with open(a.report, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"mutants: {total_k} killed, {total_s} survived; report in {a.report}")


if __name__ == "__main__":
    main()
