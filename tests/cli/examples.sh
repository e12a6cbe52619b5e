#!/usr/bin/env bash
# examples.sh -- the scripts in examples/ run as written and produce what
# they say, so the documentation's first steps never rot.
set -u
KAIROS=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$SRC"
fails=0
KAIROS=$KAIROS bash examples/quickstart.sh "$T" >"$T/log" 2>&1 || { echo "FAIL: quickstart exited $?"; cat "$T/log"; fails=1; }
# 20000 minute bars are 333 full hours and one partial hour per symbol.
rows=$(($(wc -l <"$T/hourly.csv") - 1))
[ "$rows" -eq $((5 * 334)) ] || { echo "FAIL: hourly.csv has $rows rows, expected 1670"; fails=1; }
head -1 "$T/sp500_ta.csv" | grep -q '^timestamp,sma_50,sma_200,rsi_14,macd_12_26_9.macd,macd_12_26_9.signal,macd_12_26_9.hist,bbands_20_2.upper,bbands_20_2.middle,bbands_20_2.lower$' \
    || { echo "FAIL: sp500_ta.csv header: $(head -1 "$T/sp500_ta.csv")"; fails=1; }
[ "$(wc -l <"$T/sp500_ta.csv")" -eq 5106 ] || { echo "FAIL: sp500_ta.csv rows"; fails=1; }
[ -s "$T/sma_cross/report.html" ] || { echo "FAIL: no sma_cross report"; fails=1; }
grep -q ',short,' "$T/donchian/trades.csv" || { echo "FAIL: no short trade in the synthetic run"; fails=1; }
[ "$(wc -l <"$T/sweep.csv")" -eq 37 ] || { echo "FAIL: sweep.csv rows"; fails=1; }
grep -q "deflated Sharpe ratio over 36 trials" "$T/log" || { echo "FAIL: sweep DSR line"; fails=1; }
[ "$fails" -eq 0 ] && echo "examples: 7 passed, 0 failed"
exit "$fails"
