#!/usr/bin/env bash
# research.sh -- from bars to a validated, versioned model that a strategy
# trades. Run from the repository root after `make`:
#
#   bash examples/research.sh [OUTDIR]
#
# 1. the bundled S&P 500: features, triple-barrier labels, combinatorial
#    purged cross-validation of an XGBoost model, every out-of-sample path
#    backtested, the PSR and DSR, the promotion gate;
# 2. five synthetic symbols: the same, trained into a model registry and
#    promoted (the gate is only reported: synthetic random walks hold no
#    edge, so it fails, and --force promotes anyway for the demonstration);
# 3. the promoted model traded by the `model` strategy on fresh synthetic
#    data it has never seen (another seed), and its predictions;
# 4. the registry: list, a second version, rollback; drift of the fresh
#    data's features against the training data.
set -euo pipefail
K=${KAIROS:-build/kairos}
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
FEATURES="ret:1,ret:5,ret:20,vol:20,range,gap,zvol:20,detrend:50,bbpos:20,ind:rsi:14"

echo "== 1. S&P 500: CPCV (6 groups, 2 test) with a 1% embargo, 5 backtest paths"
"$K" cv --data data/sp500.csv --features "$FEATURES" \
    --label triple:pt=2,sl=2,h=10,vol=20 --scheme cpcv:groups=6,test=2 \
    --embargo 0.01 --model rounds=200,depth=3,eta=0.05,early=20 \
    --gate min_sharpe=0.5,min_psr=0.9,max_drawdown=0.3 \
    --out "$OUT/sp500_cv" || echo "(the gate failed: exit $?)"

echo "== 2. five synthetic symbols: train, register, promote"
"$K" data synth --symbols 5 --rows 3000 --seed 21 -o "$OUT/train.csv"
cat >"$OUT/model.yaml" <<YAML
data: $OUT/train.csv
features: $FEATURES
label: triple:pt=2,sl=2,h=10,vol=20
scheme: cpcv:groups=6,test=2
embargo: 0.01
model: rounds=150,depth=3,eta=0.05,early=20
threshold: 0.5
gate: min_sharpe=0.5,min_psr=0.9
registry: $OUT/models
force: true
YAML
"$K" train --config "$OUT/model.yaml" || echo "(the gate failed: exit $?; promoted by force)"

echo "== 3. the live model traded on data it has never seen"
"$K" data synth --symbols 5 --rows 1000 --seed 99 -o "$OUT/fresh.csv"
"$K" backtest --data "$OUT/fresh.csv" --strategy model:threshold=0.5 \
    --registry "$OUT/models" --size fraction:0.2 --out "$OUT/model_bt" \
    --no-progress
"$K" predict --registry "$OUT/models" --data "$OUT/fresh.csv" \
    --out "$OUT/predictions.csv"
head -3 "$OUT/predictions.csv"

echo "== 4. the registry: a second version, then rollback"
"$K" train --config "$OUT/model.yaml" --parent v0001 >/dev/null || true
"$K" models list --registry "$OUT/models"
"$K" models rollback --registry "$OUT/models"
"$K" models list --registry "$OUT/models"

echo "outputs in $OUT"
