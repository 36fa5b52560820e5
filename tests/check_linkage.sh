#!/usr/bin/env bash
# Every program links OpenSSL's libcrypto and never libssl: the TLS 1.3
# handshake is quince's own. usage: check_linkage.sh PROGRAM...
set -u
fail=0
for bin in "$@"; do
  libs=$(ldd "$bin" 2>/dev/null) || { echo "FAIL $bin: ldd failed"; fail=1; continue; }
  if grep -q 'libssl\.so' <<<"$libs"; then
    echo "FAIL $bin links libssl:"; grep libssl <<<"$libs"; fail=1
  elif ! grep -q 'libcrypto\.so' <<<"$libs"; then
    echo "FAIL $bin does not link libcrypto (unexpected)"; fail=1
  else
    echo "ok   $bin: libcrypto only"
  fi
done
exit $fail
