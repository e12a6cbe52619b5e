#!/usr/bin/env bash
# report_browser.sh -- `kairos backtest` writes a report, and a real browser
# opens it with no network.
#
#   bash report_browser.sh KAIROS_BINARY SOURCE_DIR
#
# Runs sma_cross 50/200 on the bundled S&P 500 data into a temporary
# directory, checks the four data files exist with their header lines (and
# nothing .tmp is left), then opens report.html in Debian's Chromium through
# tests/report/browser/check_report.mjs: no request other than the file, no
# console or page error, the charts and the statistics table present. The
# screenshot is kept as out/report.png; the directory is removed on success
# unless KR_KEEP is set, and kept (its path printed) on failure.
# Needs node and tests/report/browser/node_modules (make test installs it
# with npm ci); CHROMIUM overrides /usr/bin/chromium.
set -u
K=${1:?usage: report_browser.sh KAIROS_BINARY SOURCE_DIR}
SRC=${2:?usage: report_browser.sh KAIROS_BINARY SOURCE_DIR}
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
SRC=$(cd "$SRC" && pwd)
BROWSER=$SRC/tests/report/browser
[ -x "$K" ] || { echo "no kairos binary at $K" >&2; exit 2; }
if ! command -v node >/dev/null 2>&1; then
    echo "FAIL: node is not installed (needed for the browser check)" >&2
    exit 1
fi
if [ ! -d "$BROWSER/node_modules/playwright-core" ]; then
    echo "FAIL: $BROWSER/node_modules is missing: run" \
         "'npm ci --prefix tests/report/browser' (make test does it)" >&2
    exit 1
fi

T=$(mktemp -d)
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

OUT=$T/out
if ! "$K" backtest --data "$SRC/data/sp500.csv" \
        --strategy sma_cross:fast=50,slow=200 --out "$OUT" \
        >"$T/stdout" 2>"$T/stderr"; then
    fail "kairos backtest failed: $(cat "$T/stderr")"
fi

# header FILE WANT: the first line of FILE is WANT.
header() {
    if [ ! -s "$OUT/$1" ]; then
        fail "$1 is missing or empty"
    elif [ "$(head -n 1 "$OUT/$1")" != "$2" ]; then
        fail "$1: header '$(head -n 1 "$OUT/$1")', expected '$2'"
    fi
}
header equity.csv "ts,equity,cash,exposure,drawdown"
header trades.csv "symbol,side,entry_ts,entry_price,exit_ts,exit_price,qty,pnl,return,bars_held,costs"
header orders.csv "id,ts,symbol,side,type,tif,qty,limit_px,stop_px,status,filled_qty,avg_px,role,parent,tag,reason"
header metrics.json "{"
if [ -s "$OUT/metrics.json" ] &&
   ! grep -q '"sharpe"' "$OUT/metrics.json"; then
    fail "metrics.json has no sharpe"
fi
if ls -A "$OUT" 2>/dev/null | grep -q '\.tmp$'; then
    fail "a temporary file was left in $OUT"
fi

if [ -s "$OUT/report.html" ]; then
    if ! node "$BROWSER/check_report.mjs" "$OUT/report.html" \
            "$OUT/report.png"; then
        fail "the browser check failed"
    elif [ ! -s "$OUT/report.png" ]; then
        fail "no screenshot"
    fi
else
    fail "report.html is missing"
fi

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s); output kept in $T" >&2
    exit 1
fi
if [ -n "${KR_KEEP:-}" ]; then
    echo "report kept in $OUT"
else
    rm -rf "$T"
fi
echo "report_browser: ok"
