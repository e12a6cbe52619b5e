#!/usr/bin/env bash
# research.sh -- `kairos cv`, `kairos train`, `kairos predict` and the model
# strategy end to end on data with a pattern a model must find: a price that
# alternates up 2% and down 1.9% every bar, so the last 1-bar return tells
# the next one's sign exactly. Purged CPCV must reach (near) perfect
# out-of-sample accuracy and a positive Sharpe on every one of its
# C(5, 1) = 5 paths, the gate must pass, train must register and promote,
# predict must answer for every bar with features, the model strategy must
# trade, and bad options must name themselves.
set -u
KAIROS=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
pass=0
check() { if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else
    echo "FAIL: $1"; fails=$((fails + 1)); fi; }
bad() { local pat=$1; shift; run 2 "$@"; local rc=$?
    [ $rc -eq 0 ] && grep -q -- "$pat" "$T/err"; check "bad: $pat" $?; }
run() { local want=$1; shift
    timeout 120 "$KAIROS" "$@" >"$T/out" 2>"$T/err"; local got=$?
    [ "$got" -eq "$want" ] || { echo "  exit $got, expected $want: kairos $*"; cat "$T/err"; return 1; }; }

# 600 daily bars, Monday 2020-01-06 on, weekdays only.
awk 'BEGIN { print "date,open,high,low,close,volume"; p = 100; d = 0;
  for (i = 0; i < 600; i++) {
    q = (i % 2 == 0) ? p * 1.02 : p * 0.981;
    t = 1578268800 + 86400 * (d + 2 * int(d / 5)); d++;
    hi = (p > q ? p : q) * 1.001; lo = (p < q ? p : q) * 0.999;
    printf "%s,%.4f,%.4f,%.4f,%.4f,%d\n", strftime("%Y-%m-%d", t, 1), p, hi, lo, q, 1000 + i;
    p = q } }' >"$T/zigzag.csv"

F="ret:1,ret:2,vol:10"
run 0 cv --data "$T/zigzag.csv" --features "$F" --label horizon:h=1 \
    --scheme cpcv:groups=6,test=2 --threshold 0.6 --gate min_sharpe=1,min_psr=0.95 \
    --out "$T/cv"; check "cv runs and the gate passes" $?
grep -q "5 backtest paths" "$T/out"; check "C(5,1) = 5 paths" $?
acc=$(sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' "$T/out")
awk -v a="$acc" 'BEGIN { exit !(a > 0.95) }'; check "out-of-sample accuracy $acc > 0.95" $?
[ "$(wc -l <"$T/cv/paths.csv")" -eq 6 ]; check "paths.csv: 5 paths" $?
[ "$(wc -l <"$T/cv/splits.csv")" -eq 16 ]; check "splits.csv: C(6,2) = 15 splits" $?
awk -F, 'NR > 1 && !($3 > 1) { bad++ } END { exit bad > 0 }' "$T/cv/paths.csv"
check "every path's Sharpe above 1" $?
awk -F, 'NR > 1 && !($4 > 0) { bad++ } END { exit bad > 0 }' "$T/cv/splits.csv"
check "purging removed rows in every split" $?
grep -q "gate: passed" "$T/out"; check "gate passed" $?
# The feature report: on the zigzag, the 2-bar return and the volatility
# are constant (dead: variance below 1e-6, never split on), the 1-bar
# return carries all the gain.
[ "$(wc -l <"$T/cv/features.csv")" -eq 4 ]; check "features.csv rows" $?
[ "$(cut -d, -f3,6 "$T/cv/features.csv" | tail -n +2 | tr '\n' ' ')" = "0,1 1,2 1,2 " ]
check "dead flags and gain ranks" $?
grep -q "features: 2 dead (variance < 1e-6), 0 correlated groups (|r| > 0.9); by gain: ret_1" "$T/out"
check "feature report line" $?

# PBO across thresholds on the pattern: every threshold trades the same
# perfect predictions, so the in-sample best is never below the median out
# of sample... the figure must exist and lie in [0, 1].
run 0 cv --data "$T/zigzag.csv" --features "$F" --label horizon:h=1 \
    --scheme kfold:k=4 --thresholds 0.5,0.6,0.7,0.8; check "cv with thresholds" $?
pbo=$(sed -n 's/.*overfitting over 4 thresholds: \([0-9.]*\).*/\1/p' "$T/out")
awk -v p="$pbo" 'BEGIN { exit !(p != "" && p >= 0 && p <= 1) }'; check "PBO $pbo in [0, 1]" $?
bad "option --thresholds" cv --data "$T/zigzag.csv" --features "$F" --thresholds 0.5,2

# A stacking ensemble per split: three base models, a logistic meta-learner.
run 0 cv --data "$T/zigzag.csv" --features "$F" --label horizon:h=1 \
    --scheme kfold:k=4 --threshold 0.6 \
    --stack "depth=1,rounds=20;depth=3,rounds=50,eta=0.1;depth=2,rounds=30"
check "cv --stack" $?
grep -q "a stack of 3 base models per split" "$T/out"; check "stack reported" $?
corr=$(sed -n 's/.*out-of-fold predictions \([-0-9.]*\).*/\1/p' "$T/out")
awk -v r="$corr" 'BEGIN { exit !(r != "" && r >= -1 && r <= 1) }'; check "mean correlation $corr in [-1, 1]" $?
acc=$(sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' "$T/out")
awk -v a="$acc" 'BEGIN { exit !(a > 0.95) }'; check "stacked accuracy $acc > 0.95" $?
bad "option --stack: give at least two" cv --data "$T/zigzag.csv" --features "$F" --stack depth=2
bad "option --stack: a stacked model cannot be registered" train --data "$T/zigzag.csv" \
    --features "$F" --registry "$T/reg2" --stack "depth=1;depth=2"

# The same fails a gate it cannot meet, with exit 1 and the rule named.
run 1 cv --data "$T/zigzag.csv" --features "$F" --label horizon:h=1 \
    --scheme kfold:k=4 --gate min_trades=100000; check "gate failure exits 1" $?
grep -q "gate: failed: min_trades" "$T/out"; check "failing rule named" $?

# Train, register, promote; predict; trade the live model.
run 0 train --data "$T/zigzag.csv" --features "$F" --label horizon:h=1 \
    --scheme kfold:k=4 --threshold 0.6 --registry "$T/reg" --promote \
    --gate min_sharpe=1; check "train" $?
grep -q "model v0001 added to .* and promoted (live)" "$T/out"; check "v0001 live" $?
[ "$(cat "$T/reg/LIVE")" = "v0001" ]; check "LIVE file" $?
grep -q '"data_hash": "[0-9a-f]\{64\}"' "$T/reg/versions/v0001/meta.json"
check "SHA-256 of the training data in meta.json" $?
run 0 predict --registry "$T/reg" --data "$T/zigzag.csv" --out "$T/pred.csv"
check "predict" $?
# Rows with every feature: from bar 10 on (vol:10 needs 10 returns).
[ "$(wc -l <"$T/pred.csv")" -eq 591 ]; check "590 predictions" $?
awk -F, 'NR > 2 { up = ($3 > 0.5); if (NR > 3 && up == prev) bad++; prev = up }
  END { exit bad > 0 }' "$T/pred.csv"; check "predictions alternate with the pattern" $?
run 0 backtest --data "$T/zigzag.csv" --strategy model:threshold=0.6 \
    --registry "$T/reg" --out "$T/bt" --no-progress; check "model strategy" $?
awk -F'"trades": ' 'NF > 1 { split($2, a, ","); exit !(a[1] + 0 > 100) }' \
    "$T/bt/metrics.json"; check "the model strategy trades" $?

# Bad options.
bad "option --features is required" cv --data "$T/zigzag.csv"
bad "option --features" cv --data "$T/zigzag.csv" --features nope:3
bad "option --label" cv --data "$T/zigzag.csv" --features "$F" --label sideways
bad "option --scheme" cv --data "$T/zigzag.csv" --features "$F" --scheme cpcv:groups=1
bad "option --model" cv --data "$T/zigzag.csv" --features "$F" --model depth=99
bad "option --threshold" cv --data "$T/zigzag.csv" --features "$F" --threshold 0.2
bad "option --registry is required" train --data "$T/zigzag.csv" --features "$F"
bad "no live model" predict --registry "$T/empty" --data "$T/zigzag.csv"
bad "needs --registry" backtest --data "$T/zigzag.csv" --strategy model --out "$T/x"

echo "research.sh: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
