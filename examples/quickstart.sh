#!/usr/bin/env bash
# quickstart.sh -- a tour of the kairos command on the bundled and synthetic
# data. Run from the repository root after `make`:
#
#   bash examples/quickstart.sh [OUTDIR]
#
# Every step is one command a user would type; the outputs land in OUTDIR
# (default: a new temporary directory).
set -euo pipefail
K=${KAIROS:-build/kairos}
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"

echo "== what the sample file holds"
"$K" data info data/sp500.csv

echo "== its data-quality report (exit 0: nothing high or critical)"
"$K" data validate data/sp500.csv

echo "== five correlated synthetic symbols, one-minute crypto bars"
"$K" data synth --symbols 5 --rows 20000 --interval 1m --calendar crypto \
    --seed 7 -o "$OUT/synth.csv"
"$K" data info "$OUT/synth.csv"

echo "== resampled to hourly bars"
"$K" data resample "$OUT/synth.csv" --to 1h -o "$OUT/hourly.csv"
head -3 "$OUT/hourly.csv"

echo "== indicators on the S&P 500: SMA 50/200, RSI 14, MACD, Bollinger bands"
"$K" ta data/sp500.csv --ind sma:50 --ind sma:200 --ind rsi:14 \
    --ind macd:12,26,9 --ind bbands:20,2 -o "$OUT/sp500_ta.csv"
tail -2 "$OUT/sp500_ta.csv"

echo "outputs in $OUT"
