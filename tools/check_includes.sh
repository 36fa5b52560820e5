#!/usr/bin/env bash
# No cycles between the files of a module (DESIGN.md: "no two files include each
# other; split a dispatcher from the helpers it serves").
#
# Per module folder it builds the graph "file A uses file B", where A and B are the
# module's .c files (a header foo.h stands for foo.c when foo.c exists):
#   - calls: a global symbol undefined in A's object and defined in B's (nm of the
#     module's static library);
#   - includes: A.c or A.h includes B.h, directly or through headers that have no
#     .c file of their own (a module's shared internal header is such a header).
# A cycle in that graph fails the check, in every module named (there is no
# "known cycles" list); each one is printed with the symbols and headers that
# make its edges.
#
# usage: check_includes.sh SRC_ROOT DIR=LIBRARY.a ...
#   DIR      a module folder under SRC_ROOT (crypto, h3, ...)
#   LIBRARY  the module's static library (its objects are named FILE.c.o or FILE.o)
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 SRC_ROOT DIR=LIBRARY.a ..." >&2
  exit 2
fi
root=$1
shift

# "A B calls sym..." for every pair of objects of the library.
call_edges() {
  nm -A "$1" 2>/dev/null | awk '
    {
      n = split($0, f, ":")
      if (n < 3) next
      m = f[n - 1]
      sub(/\.c\.o$/, "", m); sub(/\.o$/, "", m)
      k = split(f[n], g, " ")
      if (k == 2 && g[1] == "U") { nu++; um[nu] = m; us[nu] = g[2] }
      else if (k == 3 && g[2] ~ /^[A-TV-Z]$/) def[g[3]] = m
    }
    END {
      for (i = 1; i <= nu; i++) {
        s = us[i]
        if (!(s in def) || def[s] == um[i]) continue
        e = um[i] " " def[s]
        if (index(why[e] " ", " " s " ") == 0) why[e] = why[e] " " s
      }
      for (e in why) print e, "calls" why[e]
    }'
}

# "A B includes hdr..." from the #include lines of DIR's files.
include_edges() {
  local dir=$1 mod
  mod=$(basename "$dir")
  local cs=""
  for f in "$dir"/*.c; do
    [ -e "$f" ] && cs="$cs $(basename "$f" .c)"
  done
  for f in "$dir"/*.c "$dir"/*.h; do
    [ -e "$f" ] || continue
    echo "FILE $(basename "$f")"
    sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"'"$mod"'/\([^"]*\)".*|INC \1|p' "$f"
  done | awk -v cs="$cs" '
    BEGIN { n = split(cs, a, " "); for (i = 1; i <= n; i++) isc[a[i]] = 1 }
    $1 == "FILE" { cur = $2; files[cur] = 1; next }
    $1 == "INC" { inc[cur] = inc[cur] " " $2 }
    function node(f,    s) {
      s = f; sub(/\.[ch]$/, "", s)
      if (f ~ /\.c$/ || (s in isc)) return s
      return ""
    }
    function walk(from, f,    k, i, hs, b) {
      if ((from SUBSEP f) in seen) return
      seen[from, f] = 1
      k = split(inc[f], hs, " ")
      for (i = 1; i <= k; i++) {
        b = node(hs[i])
        if (b == "") walk(from, hs[i])
        else if (b != from && index(why[from " " b] " ", " " hs[i] " ") == 0)
          why[from " " b] = why[from " " b] " " hs[i]
      }
    }
    END {
      for (f in files) { b = node(f); if (b != "") walk(b, f) }
      for (e in why) print e, "includes" why[e]
    }'
}

status=0
for spec in "$@"; do
  dir=${spec%%=*}
  lib=${spec#*=}
  if [ ! -d "$root/$dir" ] || [ ! -r "$lib" ]; then
    echo "FAIL $dir: no folder $root/$dir or no library $lib"
    status=1
    continue
  fi
  edges=$( { call_edges "$lib"; include_edges "$root/$dir"; } )
  nedges=$(printf '%s\n' "$edges" | awk 'NF { print $1, $2 }' | sort -u | grep -c .)
  # tsort names the files of each cycle it finds, in order, on stderr.
  loops=$(printf '%s\n' "$edges" | awk 'NF { print $1, $2 }' | tsort 2>&1 >/dev/null |
          awk '/input contains a loop/ { if (l != "") print l; l = ""; next }
               { sub(/^tsort: /, ""); l = l " " $0 }
               END { if (l != "") print l }')
  # tsort's own verdict too, so a message it words otherwise cannot pass a cycle.
  acyclic=1
  printf '%s\n' "$edges" | awk 'NF { print $1, $2 }' | tsort >/dev/null 2>&1 || acyclic=0
  if [ -z "$loops" ] && [ $acyclic = 1 ]; then
    echo "ok   $dir: no cycles ($nedges edges between files)"
    continue
  fi
  echo "FAIL $dir: cycles between files:"
  status=1
  [ -n "$loops" ] || echo "  (tsort found a loop it did not name)"
  while read -r cyc; do
    [ -n "$cyc" ] || continue
    # shellcheck disable=SC2086
    set -- $cyc
    first=$1
    echo "  cycle: $cyc $first" | sed 's/ \([^ ]\)/ -> \1/2g; s/cycle: -> /cycle: /'
    prev=$1
    shift
    for f in "$@" "$first"; do
      printf '%s\n' "$edges" | awk -v a="$prev" -v b="$f" \
        '$1 == a && $2 == b { $1 = "    " a " -> " b ":"; $2 = ""; print }'
      prev=$f
    done
  done <<<"$loops"
done
exit $status
