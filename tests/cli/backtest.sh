#!/usr/bin/env bash
# backtest.sh -- `kairos backtest`, `kairos sweep` and `kairos strategies` end
# to end: the README's main command writes its five files with the numbers
# that match each other, a YAML run file gives the same run as the flags and
# is overridden by them, every bad option or config value gets one line
# naming the option (and file:line:col) and exit 2, and a sweep writes one row
# per point and the DSR of the best.
set -u
KAIROS=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
pass=0

check() { # description, condition result
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else
        echo "FAIL: $1"; fails=$((fails + 1)); fi
}

run() { # expected-exit, args...
    local want=$1; shift
    timeout 60 "$KAIROS" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" -eq "$want" ] || { echo "  exit $got, expected $want: kairos $*"; cat "$T/err"; return 1; }
}

DATA=$SRC/data/sp500.csv

# 1. The main command.
run 0 backtest --data "$DATA" --strategy sma_cross:fast=50,slow=200 \
    --out "$T/sma" --no-progress; check "main command" $?
for f in metrics.json equity.csv trades.csv orders.csv report.html; do
    [ -s "$T/sma/$f" ]; check "$f written" $?
done
[ -z "$(ls -A "$T/sma" | grep tmp)" ]; check "no temporary files left" $?
# equity.csv has one row per bar, and its last equity is metrics' final_equity.
[ "$(wc -l <"$T/sma/equity.csv")" -eq 5106 ]; check "equity rows: 5105 bars and a header" $?
last=$(tail -1 "$T/sma/equity.csv" | cut -d, -f2)
grep -q "\"final_equity\": $last" "$T/sma/metrics.json"; check "final equity matches ($last)" $?
# trades.csv: one row per closed trade, as metrics counts them; every order filled.
ntr=$(($(wc -l <"$T/sma/trades.csv") - 1))
grep -q "\"trades\": $ntr.0" "$T/sma/metrics.json"; check "trade count $ntr" $?
[ "$(grep -c ',filled,' "$T/sma/orders.csv")" -eq $((2 * ntr)) ]; check "orders filled" $?
# The sum of trade P&L is the change in equity (no position open at the end
# of this run: the last signal was an exit).
awk -F, -v last="$last" 'NR > 1 { s += $8 } END { d = s - (last - 100000);
    exit (d < 0 ? -d : d) > 0.01 }' "$T/sma/trades.csv"; check "trade P&L adds up" $?
grep -q "final equity" "$T/out"; check "summary printed" $?

# 2. A YAML run file equals the flags; the command line overrides it.
cat >"$T/run.yaml" <<YAML
data: [$DATA]
strategy:
  name: sma_cross
  fast: 50
  slow: 200
cash: 100000
YAML
run 0 backtest --config "$T/run.yaml" --out "$T/yaml" --no-progress; check "yaml run" $?
cmp -s "$T/sma/equity.csv" "$T/yaml/equity.csv"; check "yaml equals flags" $?
run 0 backtest --config "$T/run.yaml" --cash 50000 --out "$T/yaml2" --no-progress
check "yaml + flag" $?
head -2 "$T/yaml2/equity.csv" | tail -1 | grep -q ',50000,50000,'; check "flag overrides yaml" $?

# 3. Costs, shorts and sizing run and show up.
run 0 backtest --data "$DATA" --strategy donchian_breakout:period=55,stop=3 \
    --short --borrow 0.03 --commission per_share:0.005,min=1 --slippage bps:2 \
    --size fraction:0.5 --lot 1 --out "$T/don" --no-progress; check "donchian with costs" $?
grep -q ',short,' "$T/don/trades.csv"; check "a short trade" $?
grep -q ',stop_loss,' "$T/don/orders.csv"; check "bracket stop-loss orders" $?
awk -F, 'NR > 1 && $11 > 0 { n++ } END { exit n == 0 }' "$T/don/trades.csv"
check "trades carry costs" $?
# Whole units with --lot 1.
awk -F, 'NR > 1 && $7 != int($7) { bad++ } END { exit bad > 0 }' "$T/don/orders.csv"
check "lot 1 gives whole quantities" $?

# 4. Bad options: exit 2, one line naming the option.
bad() { # pattern, args...
    local pat=$1; shift
    run 2 "$@"; local rc=$?
    [ $rc -eq 0 ] && grep -q -- "$pat" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]
    check "bad: $* -> $pat" $?
}
bad "option --data is required" backtest --strategy sma_cross --out "$T/x"
bad "option --strategy is required" backtest --data "$DATA" --out "$T/x"
bad "option --out is required" backtest --data "$DATA" --strategy sma_cross
bad "option --strategy" backtest --data "$DATA" --strategy nope --out "$T/x"
bad "option --strategy" backtest --data "$DATA" --strategy sma_cross:fast=300,slow=200 --out "$T/x"
bad "option --cash" backtest --data "$DATA" --strategy sma_cross --cash -5 --out "$T/x"
bad "option --fill" backtest --data "$DATA" --strategy sma_cross --fill tomorrow --out "$T/x"
bad "option --commission" backtest --data "$DATA" --strategy sma_cross --commission bps:x --out "$T/x"
bad "option --slippage" backtest --data "$DATA" --strategy sma_cross --slippage sqrt --out "$T/x"
bad "option --size" backtest --data "$DATA" --strategy sma_cross --size half --out "$T/x"
bad "unknown option '--frobnicate'" backtest --frobnicate
bad "no-such.csv" backtest --data "$T/no-such.csv" --strategy sma_cross --out "$T/x"
printf 'data: x.csv\ncash: lots\n' >"$T/bad.yaml"
bad "bad.yaml:2:7: option --cash" backtest --config "$T/bad.yaml" --strategy sma_cross --out "$T/x"
printf 'data: x.csv\nfrobnicate: 1\n' >"$T/bad2.yaml"
bad "bad2.yaml:2:13: unknown key 'frobnicate'" backtest --config "$T/bad2.yaml"
printf 'data: [unclosed\n' >"$T/bad3.yaml"
bad "bad3.yaml" backtest --config "$T/bad3.yaml"
# An output path that is a file.
: >"$T/file"
run 2 backtest --data "$DATA" --strategy sma_cross --out "$T/file/sub" --no-progress
check "unwritable --out exits 2" $?

# 5. A sweep: one row per point, skipped points listed, DSR printed.
run 0 sweep --data "$DATA" --strategy sma_cross --grid fast=20:60:20,slow=40:80:20 \
    --out "$T/sweep.csv" --jobs 2 --report "$T/best" --no-progress; check "sweep" $?
[ "$(wc -l <"$T/sweep.csv")" -eq 10 ]; check "9 rows + header" $?
# fast 40 slow 40, fast 60 slow 40 and fast 60 slow 60 are refused (fast >= slow).
[ "$(grep -c ',skipped,' "$T/sweep.csv")" -eq 3 ]; check "3 skipped" $?
grep -q "deflated Sharpe ratio over 6 trials" "$T/out"; check "DSR over 6 trials" $?
[ -s "$T/best/report.html" ]; check "best run report" $?
# One thread gives the same rows as two.
run 0 sweep --data "$DATA" --strategy sma_cross --grid fast=20:60:20,slow=40:80:20 \
    --out "$T/sweep1.csv" --jobs 1 --no-progress
cmp -s "$T/sweep.csv" "$T/sweep1.csv"; check "sweep deterministic across threads" $?
bad "option --grid" sweep --data "$DATA" --strategy sma_cross --grid fast=50:10:5 --out "$T/s.csv"
bad "option --grid is required" sweep --data "$DATA" --strategy sma_cross --out "$T/s.csv"

# 6. strategies lists every built-in with its defaults.
run 0 strategies; check "strategies" $?
for s in sma_cross rsi_reversion donchian_breakout bollinger_reversion; do
    grep -q "^$s" "$T/out"; check "lists $s" $?
done
run 0 backtest --help; check "backtest --help" $?
grep -q "usage: kairos backtest" "$T/out"; check "backtest usage" $?
run 0 sweep --help; check "sweep --help" $?

echo "backtest.sh: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
