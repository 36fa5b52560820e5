#!/usr/bin/env python3
"""Turns gcovr's --json-summary into the coverage table of make coverage.

usage: coverage_table.py SUMMARY.json OUT.md
Prints a text table (per module, then per file) and writes the same as markdown.
Files under 90% of lines are marked, since the README explains each of them."""
import json
import sys

MODULES = ("quic", "crypto", "h3", "qpack", "base")
LINE_BAR = 90.0


def pct(covered, total):
    return 100.0 * covered / total if total else None


def fmt(p):
    return "-" if p is None else f"{p:.1f}%"


def rows_of(summary):
    files = []
    for f in summary["files"]:
        name = f["filename"]
        module = name.split("/", 1)[0]
        if module not in MODULES:
            continue
        files.append((module, name, f["line_covered"], f["line_total"],
                      f["branch_covered"], f["branch_total"]))
    files.sort(key=lambda r: (MODULES.index(r[0]), r[1]))
    return files


def totals(files, module=None):
    sel = [r for r in files if module is None or r[0] == module]
    lc = sum(r[2] for r in sel)
    lt = sum(r[3] for r in sel)
    bc = sum(r[4] for r in sel)
    bt = sum(r[5] for r in sel)
    return lc, lt, bc, bt


def main():
    summary = json.load(open(sys.argv[1]))
    files = rows_of(summary)
    mod_rows = []
    for m in MODULES + (None,):
        lc, lt, bc, bt = totals(files, m)
        mod_rows.append((m or "total", f"{lc}/{lt}", fmt(pct(lc, lt)),
                         f"{bc}/{bt}", fmt(pct(bc, bt))))
    file_rows = []
    for module, name, lc, lt, bc, bt in files:
        lp = pct(lc, lt)
        mark = "below 90%" if lp is not None and lp < LINE_BAR else ""
        file_rows.append((name, f"{lc}/{lt}", fmt(lp), f"{bc}/{bt}",
                          fmt(pct(bc, bt)), mark))

    head_m = ("module", "lines", "line %", "branches", "branch %")
    head_f = ("file", "lines", "line %", "branches", "branch %", "")

    def text_table(head, rows):
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
        out = []
        for r in (head,) + tuple(rows):
            out.append("  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip())
        return "\n".join(out)

    def md_table(head, rows):
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---" for _ in head) + "|"]
        for r in rows:
            out.append("| " + " | ".join(str(x) for x in r) + " |")
        return "\n".join(out)

    print(text_table(head_m, mod_rows))
    print()
    print(text_table(head_f, file_rows))
    with open(sys.argv[2], "w") as md:
        md.write("# quince coverage (make coverage)\n\n")
        md.write("Whole CTest suite, gcc --coverage -O0, gcovr "
                 "(branches the compiler adds on lines without decisions excluded).\n\n")
        md.write(md_table(head_m, mod_rows) + "\n\n")
        md.write(md_table(head_f, file_rows) + "\n")


if __name__ == "__main__":
    main()
