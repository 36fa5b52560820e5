#!/usr/bin/env bash
# Doxygen does not warn about an undocumented enumerator, so make docs runs this
# too: every enumerator of the public headers (the INPUT of docs/Doxyfile)
# carries a /**< ... */ comment on its line (or a /** ... */ one on the line
# above). usage: tools/check-doc-enums.sh (from the repository root)
set -euo pipefail
files=$(sed -n '/^INPUT/,/^[A-Z_]* *=/p' docs/Doxyfile | sed '$d' | sed 's/^INPUT *=//; s/\\//g')
fail=0
for f in $files; do
  awk -v f="$f" '
    # a standalone /** ... */ block documents the next enumerator
    /^[ \t]*\/\*\*[^<]/ || /^[ \t]*\/\*\*$/ { pending = 1 }
    /^[ \t]*(typedef[ \t]+)?enum[ \t]*[A-Za-z0-9_]*[ \t]*\{/ { inenum = 1; pending = 0; next }
    inenum && /^[ \t]*\}/ { inenum = 0 }
    inenum && /^[ \t]*[A-Z][A-Z0-9_]*[ \t]*(=[^,]*)?,?[ \t]*(\/\*.*)?$/ {
      if ($0 !~ /\/\*\*</ && !pending) {
        printf "%s:%d: enumerator without a doc comment: %s\n", f, NR, $0; bad = 1
      }
      pending = 0
    }
    END { exit bad }' "$f" || fail=1
done
exit $fail
