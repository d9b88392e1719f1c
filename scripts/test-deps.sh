#!/usr/bin/env bash
# Installs what the tests need when it is missing: Chromium and Japanese fonts
# for the browser tests, poppler-utils for reading PDFs back, IPAex Gothic for quote PDFs. Installing needs
# root (as on CI and the project machines); otherwise it says what is missing.
# Under CI=true a missing Chromium or an unreachable PostgreSQL fails the run.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
# IPAex Gothic: the font quote PDFs embed (internal/quotepdf finds it at run time).
[[ -f /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ]] || need+=(fonts-ipaexfont-gothic)

if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test-deps: missing ${need[*]} (install them with apt-get as root)" >&2
  fi
fi

pg_url="${PG_TEST_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
pg_ok=false
if command -v pg_isready >/dev/null 2>&1; then
  pg_isready -q -d "$pg_url" && pg_ok=true
else
  (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && pg_ok=true
fi

if [[ "${CI:-}" == "true" ]]; then
  command -v chromium >/dev/null 2>&1 || { echo "test-deps: Chromium is required under CI" >&2; exit 1; }
  $pg_ok || { echo "test-deps: PostgreSQL is required under CI at $pg_url" >&2; exit 1; }
fi
$pg_ok || echo "test-deps: PostgreSQL is not reachable at $pg_url; the PostgreSQL pass will fail" >&2
exit 0
