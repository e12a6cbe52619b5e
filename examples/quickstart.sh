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

echo "== the built-in strategies"
"$K" strategies | head -4

echo "== SMA 50/200 on the S&P 500: metrics, trades, orders and an HTML report"
"$K" backtest --data data/sp500.csv --strategy sma_cross:fast=50,slow=200 \
    --out "$OUT/sma_cross" --no-progress

echo "== the same on five synthetic symbols at once, with costs and shorts"
"$K" data synth --symbols 5 --rows 2000 --seed 11 -o "$OUT/synth_daily.csv"
"$K" backtest --data "$OUT/synth_daily.csv" \
    --strategy donchian_breakout:period=20,stop=2 --size fraction:0.2 \
    --commission per_share:0.005,min=1 --slippage bps:2 --short --borrow 0.03 \
    --out "$OUT/donchian" --no-progress

echo "== a 36-point parameter sweep on every core, with the deflated Sharpe"
"$K" sweep --data data/sp500.csv --strategy sma_cross \
    --grid fast=10:60:10,slow=100:300:40 --out "$OUT/sweep.csv" --no-progress

echo "outputs in $OUT"
