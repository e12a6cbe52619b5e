#!/usr/bin/env bash
# research_example.sh -- examples/research.sh (the README's research loop)
# runs to the end: CPCV on the S&P 500 with its gate verdict, a synthetic
# model trained, registered and promoted, the model strategy's backtest on
# unseen data, predictions for every row with features, a second version
# and a rollback that brings v0001 back live.
set -u
KAIROS=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$SRC"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
KAIROS=$KAIROS timeout 300 bash examples/research.sh "$T" >"$T/log" 2>&1 \
    || { fail "research.sh exited $?"; cat "$T/log"; }
grep -q "5 backtest paths" "$T/log" || fail "CPCV paths"
grep -q "gate: failed: min_sharpe" "$T/log" || fail "S&P 500 gate verdict"
[ -s "$T/sp500_cv/paths.csv" ] && [ "$(wc -l <"$T/sp500_cv/paths.csv")" -eq 6 ] \
    || fail "paths.csv"
[ -s "$T/model_bt/report.html" ] || fail "model backtest report"
[ "$(wc -l <"$T/predictions.csv")" -gt 4000 ] || fail "predictions"
[ "$(cat "$T/models/LIVE")" = "v0001" ] || fail "rollback left v0001 live"
[ "$(cat "$T/models/PREVIOUS")" = "v0002" ] || fail "v0002 previous"
[ "$fails" -eq 0 ] && echo "research example: 7 passed, 0 failed"
exit "$fails"
