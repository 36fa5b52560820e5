#!/usr/bin/env python3
"""Medians of bench/run.sh's RUN lines -> a markdown table (bench/results.md) and a
gnuplot chart (bench/results.png). usage: report.py LOG OUTDIR RESULTS_MD PNG"""
import os, shutil, statistics, subprocess, sys
from collections import defaultdict

log, outdir, md_path, png_path = sys.argv[1:5]
runs = defaultdict(lambda: defaultdict(list))  # (client, server, bench, size) -> field -> values
failed = []
libs, callgrind, load, skips = [], [], [], []
for line in open(log):
    w = line.split()
    if not w:
        continue
    kv = dict(x.split("=", 1) for x in w if "=" in x)
    if w[0] == "LOAD":
        load.append(f"{w[1][5:]} {' '.join(w[2:])}")
    elif w[0] == "SIZE":
        libs.append(kv)
    elif w[0] == "SKIP":
        skips.append(" ".join(w[1:]))
    elif w[0] == "CALLGRIND":
        callgrind.append(line.strip())
    elif w[0] == "RUN":
        if "FAILED" in w:
            failed.append(line.strip())
            continue
        # load/load1 name their datagram size but have one row each
        size = "" if kv.get("bench") in ("load", "load1") else kv.get("size", "")
        key = (kv["client"], kv["server"], kv.get("bench"), size)
        for k, v in kv.items():
            try:
                runs[key][k].append(float(v))
            except ValueError:
                pass

def med(client, server, bench, field, size=""):
    v = runs.get((client, server, bench, size), {}).get(field)
    return statistics.median(v) if v else None

def fmt(x, d=1):
    if x is None:
        return "-"
    if abs(x) >= 10000:
        return f"{x:,.0f}"
    return f"{x:,.{d}f}"

Q, G, U = ("quince", "quince"), ("quic-go", "quic-go"), ("udp", "udp")
rows = []
def row(label, bench, field, size="", ceil=None, bar=None, lower_better=False, d=1):
    q = med(*Q, bench, field, size)
    g = med(*G, bench, field, size)
    ratio = q / g if q is not None and g else None
    share = None
    if ceil is not None and q:
        c = med(*U, ceil[0], ceil[1], size)
        if c:
            share = c / q if lower_better else q / c
    verdict = ""
    if bar:
        ok = bar(q, g, med(*U, ceil[0], ceil[1], size) if ceil else None)
        verdict = "-" if ok is None else ("met" if ok else "**not met**")
    rows.append((label, fmt(q, d), fmt(g, d), fmt(ratio, 2), "-" if share is None else f"{share:.0%}",
                 bar.__doc__ if bar else "", verdict))

def b_rtt(q, g, u):
    "p50 <= 0.5x quic-go and <= 1.5x raw UDP"
    return None if None in (q, g, u) else q <= 0.5 * g and q <= 1.5 * u
def b_t1200(q, g, u):
    ">= 3x quic-go and >= 50% of raw UDP"
    return None if None in (q, g, u) else q >= 3 * g and q >= 0.5 * u
def b_t64(q, g, u):
    ">= 1,000,000/s"
    return None if q is None else q >= 1e6
def b_hs(q, g, u):
    ">= 3x quic-go"
    return None if None in (q, g) else q >= 3 * g
def b_bulk(q, g, u):
    ">= 1.5x quic-go"
    return None if None in (q, g) else q >= 1.5 * g

row("datagram RTT p50 (µs)", "rtt", "p50_us", ceil=("rtt", "p50_us"), bar=b_rtt, lower_better=True)
row("datagram RTT p99 (µs)", "rtt", "p99_us", ceil=("rtt", "p99_us"), lower_better=True)
row("datagram RTT p99.9 (µs)", "rtt", "p999_us", ceil=("rtt", "p999_us"), lower_better=True)
for s, b in (("1200", b_t1200), ("64", b_t64)):
    row(f"{s}-byte datagrams delivered/s", "tput", "dgrams_per_s", s, ceil=("tput", "dgrams_per_s"), bar=b, d=0)
    row(f"{s}-byte datagrams Mbit/s", "tput", "mbit_s", s, ceil=("tput", "mbit_s"))
    row(f"{s}-byte datagrams dropped (of sent)", "tput", "drops", s, d=0)
    row(f"{s}-byte: dropped in the sender's queue", "tput", "drop_sender_queue", s, d=0)
    row(f"{s}-byte: dropped in the receiving socket", "tput", "drop_socket", s, d=0)
    row(f"{s}-byte: dropped in the receiver's queue", "tput", "drop_recv_queue", s, d=0)
    row(f"{s}-byte: datagrams per UDP packet", "tput", "dgrams_per_pkt", s, d=2)
def row_gso(label, bench, field, size=""):
    q = med("quince", "quince-gso", bench, field, size)
    g = med(*G, bench, field, size)
    c = med(*U, bench, field, size) if bench == "tput" else None
    rows.append((label, fmt(q, 0), fmt(g, 0), fmt(q / g, 2) if q and g else "-",
                 f"{q / c:.0%}" if q and c else "-", "", ""))
row_gso("1200-byte datagrams/s, quince server with UDP GSO", "tput", "dgrams_per_s", "1200")
row_gso("64-byte datagrams/s, quince server with UDP GSO", "tput", "dgrams_per_s", "64")
row("handshakes/s (4 at a time)", "hs", "hs_per_s", bar=b_hs)
row("server CPU µs per handshake", "hs", "server_cpu_us_per_hs")
row("client CPU µs per handshake", "hs", "client_cpu_us_per_hs")
# Time to the first HTTP datagram (issue 14, bench/bench_first.sh): full handshake,
# resumed, 0-RTT; "-" where a kind did not run (quince 0-RTT before the core had it).
for kind, what in (("full", "full handshake"), ("resumed", "resumed session"), ("0rtt", "resumed, request in 0-RTT")):
    row(f"first datagram after the connection's start, {what} (µs)", f"first-{kind}", "start_us", d=0)
for kind, what in (("full", "full handshake"), ("resumed", "resumed session"), ("0rtt", "resumed, request in 0-RTT")):
    row(f"first datagram after the first packet sent, {what} (µs)", f"first-{kind}", "wire_us", d=0)
row("bulk GET Mbit/s", "bulk", "mbit_s", bar=b_bulk)
row_gso("bulk GET Mbit/s, quince server with UDP GSO", "bulk", "mbit_s")
row("bulk GET Mbit/s, netem 50 ms RTT 0.1% loss (quince CUBIC)", "bulk-netem", "mbit_s")
row("bulk: server CPU s/GB", "bulk", "server_cpu_s_per_gb", d=2)
row("bulk: client CPU s/GB", "bulk", "client_cpu_s_per_gb", d=2)
# ---- memory and strangers (issue 10): the targets as bars ----
def b_16k(q, g, u):
    "<= 16 KiB"
    return None if q is None else q <= 16384
def b_64k(q, g, u):
    "<= 64 KiB"
    return None if q is None else q <= 65536
def b_256k(q, g, u):
    "<= 256 KiB"
    return None if q is None else q <= 262144
def b_all(q, g, u):
    "all of them"
    n = med(*Q, "load", "conns")
    return None if q is None or not n else q >= n
def b_zero(q, g, u):
    "0"
    return None if q is None else q == 0
row("server heap bytes per idle connection", "idle", "server_heap_per_conn", bar=b_16k, d=0)
row("client heap bytes per idle connection", "idle", "client_heap_per_conn", bar=b_16k, d=0)
row("server: QUIC + TLS bytes per idle connection (endpoint's count)", "idle", "server_ep_mem_per_conn", d=0)
row("server peak RSS with 1,000 idle conns (KiB)", "idle", "server_maxrss_kb", d=0)
row("client peak RSS with 1,000 idle conns (KiB)", "idle", "client_maxrss_kb", d=0)
row("bulk: server peak RSS (KiB)", "bulk", "server_maxrss_kb", d=0)
row("server peak heap of one connection, 2,000 x 1,000-byte datagram rounds (bytes)", "load1",
    "server_mem_peak_per_conn", bar=b_64k, d=0)
row("idle server heap, no connection (bytes; mostly libcrypto's)", "load1", "server_idle_heap",
    bar=b_256k, d=0)
n_load = med(*Q, "load", "conns")
n_load = f"{n_load:,.0f}" if n_load else "N"
row(f"connections completed of {n_load} at once, each a 20-round ping-pong", "load", "completed",
    bar=b_all, d=0)
row(f"server heap bytes per connection, {n_load} at once", "load", "server_heap_per_conn", d=0)
row(f"server peak (endpoint's count) per connection, {n_load} at once", "load",
    "server_mem_peak_per_conn", d=0)
row(f"server peak RSS with {n_load} connections (KiB)", "load", "server_maxrss_kb", d=0)
row(f"load: seconds for {n_load} connections", "load", "seconds", d=1)
row(f"load: pings sent again (echo not back in 1 s)", "load", "resent", d=0)
row("junk Initial at the server endpoint (µs, in process)", "junk", "us_per_initial", d=2)
row("junk Initial: allocation calls (hook and libcrypto)", "junk", "allocs_per_initial", bar=b_zero, d=1)
# ---- end of memory and strangers ----

bulk_mb = med(*Q, "bulk", "bytes")
# the first-datagram rows count connections in rep, not repeats of the run
reps = max((len(v.get("rep", [])) for k, v in runs.items() if not str(k[2]).startswith("first")),
           default=0)
out = []
out.append(f"Medians of {reps} alternating runs on one machine ({os.cpu_count()} cores, loopback); "
           "compare ratios, not absolute times. `make bench` to reproduce. "
           f"Load average (1/5/15 min) at {'; at '.join(load) or '-'}.\n")
out.append("| figure | quince | quic-go | quince/quic-go | quince vs raw UDP | bar | |")
out.append("|---|---|---|---|---|---|---|")
for r in rows:
    out.append("| " + " | ".join(r) + " |")
out.append("")
out.append("Ceilings in the same run: raw-UDP ping-pong p50 "
           f"{fmt(med(*U, 'rtt', 'p50_us'))} µs, p99 {fmt(med(*U, 'rtt', 'p99_us'))} µs; raw-UDP sendmmsg blast "
           f"{fmt(med(*U, 'tput', 'dgrams_per_s', '1200'), 0)}/s (1200 B), {fmt(med(*U, 'tput', 'dgrams_per_s', '64'), 0)}/s (64 B); "
           f"AES-128-GCM seal of 1200 bytes {fmt(med('libcrypto', '-', 'aead', 'ns_per_seal', '1200'))} ns.")
out.append("Throughput case: rates are measured from the first to the last datagram received; "
           "quic-go's drops are sent - received (its receive queue holds 128 datagrams).")
if bulk_mb:
    out.append(f"Bulk GET size: {bulk_mb / 1e6:.0f} MB.")
netem_mb = med(*Q, "bulk-netem", "bytes")
if netem_mb:
    out.append(f"Lossy-path bulk GET: {netem_mb / 1e6:.0f} MB over loopback in a network namespace "
               "with netem (NETEM in bench/run.sh).")
for s in skips:
    out.append(f"SKIPPED: {s}")
out.append("")
out.append("Mixed pairs (client -> server):\n")
out.append("| figure | quince -> quic-go | quic-go -> quince |")
out.append("|---|---|---|")
for label, bench, field, size in (("RTT p50 (µs)", "rtt", "p50_us", ""), ("1200-byte datagrams/s", "tput", "dgrams_per_s", "1200"),
                                  ("64-byte datagrams/s", "tput", "dgrams_per_s", "64"), ("handshakes/s", "hs", "hs_per_s", ""),
                                  ("bulk Mbit/s", "bulk", "mbit_s", "")):
    out.append(f"| {label} | {fmt(med('quince', 'quic-go', bench, field, size))} | {fmt(med('quic-go', 'quince', bench, field, size))} |")
out.append("")
if libs:
    out.append("Static libraries (`size -t`, bytes): " + ", ".join(
        f"{l['lib']} {int(l['text']):,} text + {int(l['data']) + int(l['bss']):,} data/bss" for l in libs) + ".")
    out.append("")
if callgrind:
    out.append("Callgrind, quince 1200-byte throughput case:\n")
    out.append("```")
    out.extend(c[len("CALLGRIND "):] for c in callgrind)
    out.append("```")
    out.append("")
if failed:
    out.append("Runs that failed:\n")
    out.extend(f"- `{f}`" for f in failed)
    out.append("")
open(md_path, "w").write("\n".join(out))

# Chart: RTT distributions (sorted samples by percentile) and throughput bars.
if shutil.which("gnuplot"):
    dat = os.path.join(outdir, "tput.dat")
    with open(dat, "w") as f:
        for s in ("64", "1200"):
            vals = [med(*Q, "tput", "dgrams_per_s", s), med(*G, "tput", "dgrams_per_s", s), med(*U, "tput", "dgrams_per_s", s)]
            f.write(f"{s}B " + " ".join(str((v or 0) / 1000) for v in vals) + "\n")
    curves = []
    for name in ("quince", "quic-go", "udp"):
        p = os.path.join(outdir, f"rtt-{name}.txt")
        if os.path.exists(p):
            v = sorted(float(x) for x in open(p) if x.strip())
            q = os.path.join(outdir, f"rtt-{name}.pct")
            with open(q, "w") as f:
                for i, x in enumerate(v):
                    f.write(f"{100.0 * i / max(len(v) - 1, 1)} {x}\n")
            title = "raw UDP" if name == "udp" else name
            curves.append(f"'{q}' using 1:2 with lines lw 2 title '{title}'")
    gp = f"""set terminal pngcairo size 1200,500
set output '{png_path}'
set multiplot layout 1,2
set title 'Datagram RTT distribution (loopback)'
set xlabel 'percentile'
set ylabel 'RTT (µs)'
set logscale y
set key top left
set grid
{"plot " + ", ".join(curves) if curves else "plot 0 notitle"}
unset logscale y
set title 'One-way HTTP/3 datagrams delivered (thousands/s)'
set xlabel 'payload'
set ylabel 'kdatagrams/s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top right
set yrange [0:*]
plot '{dat}' using 2:xtic(1) title 'quince', '' using 3 title 'quic-go', '' using 4 title 'raw UDP (sendmmsg)'
unset multiplot
"""
    subprocess.run(["gnuplot"], input=gp, text=True, check=False)
else:
    print("report: gnuplot missing, no chart", file=sys.stderr)
