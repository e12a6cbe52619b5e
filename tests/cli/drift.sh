#!/usr/bin/env bash
# drift.sh -- `kairos drift` end to end: small CSV files whose drift
# statistics are worked out by hand below, each trigger made to fire and not
# to fire, the exit status (0 no trigger, 1 retrain, 2 bad input), the JSON
# document, and the message of every kind of bad input.
#
#   bash drift.sh KAIROS_BINARY SOURCE_DIR
set -u
K=${1:?usage: drift.sh KAIROS_BINARY SOURCE_DIR}
SRC=${2:?usage: drift.sh KAIROS_BINARY SOURCE_DIR}
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
[ -x "$K" ] || { echo "no kairos binary at $K" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
fails=0

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# run NAME WANT_STATUS ARGS...: runs kairos drift, output in $T/out, $T/err.
run() {
    local name=$1 want=$2
    shift 2
    "$K" drift "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$name: exit status $rc, expected $want; stderr: $(cat "$T/err")"
        return 1
    fi
    return 0
}

# has NAME TEXT: the last run's stdout holds the line TEXT (exactly).
has() {
    grep -qxF -- "$2" "$T/out" || {
        fail "$1: no line '$2' in:"
        cat "$T/out" >&2
    }
}

# err_is NAME TEXT: the last run's stderr is exactly TEXT, stdout empty.
err_is() {
    local got
    got=$(cat "$T/err")
    [ "$got" = "$2" ] || fail "$1: stderr '$got', expected '$2'"
    [ -s "$T/out" ] && fail "$1: unexpected stdout: $(cat "$T/out")"
}

# ---------------------------------------------------------------------------
# Drift by hand
# ---------------------------------------------------------------------------

# Column a moves from {1,2,3} to {4,5,6}; b does not move; ts is not a
# feature and is left out with --features.
#   KS: the CDFs part completely, D = 1; exact p = 2 / C(6,3) = 0.1.
#   JSD: 10 bins over [1, 6]: the samples share no bin, JSD = ln 2 = 0.6931.
#   PSI: reference deciles at positions 2k/10 of {1,2,3}: edges 1.2, 1.4,
#     ..., 2.8; the reference fills bins 0, 4 and 9 (1/3 each), the current
#     sample all falls in bin 9. PSI = 2 (1e-6 - 1/3) ln(3e-6)
#     + (1 - 1/3) ln 3 = 8.4779 + 0.7324 = 9.2103.
cat >ref.csv <<'EOF'
ts,a,b
1,1,5
2,2,6
3,3,7
EOF
cat >cur.csv <<'EOF'
ts,a,b
4,4,5
5,5,6
6,6,7
EOF

if run "hand" 1 --ref ref.csv --cur cur.csv --features a,b; then
    has "hand" "drift: cur.csv (3 rows) against ref.csv (3 rows), 10 bins"
    has "hand" "a                           3        3    9.2103   1.0000        0.1   0.6931  psi,jsd"
    has "hand" "b                           3        3    0.0000   0.0000          1   0.0000  -"
    has "hand" "retrain: 2 triggers fired"
    has "hand" "  psi a 9.21 > 0.25"
    has "hand" "  jsd a 0.6931 > 0.1"
    grep -q "^ts " "$T/out" && fail "hand: ts was compared though not named"
fi

# The KS trigger: p = 0.1 fires below --ks-p 0.2 and not at the default.
if run "ks" 1 --ref ref.csv --cur cur.csv --features a --ks-p 0.2 \
    --psi 100 --jsd 0.69315; then
    has "ks" "retrain: 1 trigger fired"
    has "ks" "  ks a 0.1 < 0.2"
fi
run "no trigger" 0 --ref ref.csv --cur cur.csv --features a --psi 100 \
    --jsd 0.69315 && has "no trigger" "no trigger fired"

# The same file against itself: PSI 0, D 0, p 1, JSD 0 for every column
# (ts included: without --features every column is compared).
if run "same" 0 --ref ref.csv --cur ref.csv; then
    has "same" "ts                          3        3    0.0000   0.0000          1   0.0000  -"
    has "same" "no trigger fired"
fi

# JSON: the same numbers in full precision.
if run "json" 1 --ref ref.csv --cur cur.csv --features a,b --json; then
    python3 - "$T/out" <<'PY' || fail "json content"
import json, math, sys
d = json.load(open(sys.argv[1]))
a, b = d["features"]
assert a["feature"] == "a" and a["n_ref"] == 3 and a["n_cur"] == 3, a
assert abs(a["ks_stat"] - 1) < 1e-15 and abs(a["ks_p"] - 0.1) < 1e-15, a
assert abs(a["jsd"] - math.log(2)) < 1e-15, a
psi = 2 * (1e-6 - 1 / 3) * math.log(3e-6) + (1 - 1 / 3) * math.log(3)
assert abs(a["psi"] - psi) < 1e-12, (a["psi"], psi)
assert a["drift"] == ["psi", "jsd"], a
assert b["psi"] == 0 and b["ks_p"] == 1 and b["jsd"] == 0 and b["drift"] == []
assert [t["kind"] for t in d["triggers"]] == ["psi", "jsd"], d["triggers"]
assert d["retrain"] is True and d["returns"] is None and d["schedule"] is None
assert d["thresholds"] == {"psi": 0.25, "ks_p": 0.01, "jsd": 0.1}
PY
fi

# ---------------------------------------------------------------------------
# Performance and schedule triggers
# ---------------------------------------------------------------------------

# Returns 0.01, -0.02, 0.03, 0.01: mean 0.0075, deviations 0.0025, -0.0275,
# 0.0225, 0.0025, sample variance 1.275e-3 / 3 = 4.25e-4, sd 0.020616;
# Sharpe 0.0075 / 0.020616 * sqrt(252) = 5.775. Hit rate 3 of 4 = 0.75.
# The last two (--window 2): 0.03, 0.01: mean 0.02, sd 0.014142, Sharpe
# 1.4142 * sqrt(252) = 22.45, hit rate 1.
cat >ret.csv <<'EOF'
date,pnl,r
2024-01-01,5,0.01
2024-01-02,-3,-0.02
2024-01-03,7,0.03
2024-01-04,1,0.01
EOF
if run "sharpe" 1 --ref ref.csv --cur ref.csv --features b --returns ret.csv \
    --returns-col r --sharpe-min 6 --hit-min 0.7; then
    has "sharpe" "returns: ret.csv column r, last 4 of 4 rows: sharpe 5.775, hit rate 0.750"
    has "sharpe" "retrain: 1 trigger fired"
    has "sharpe" "  sharpe 5.775 < 6"
fi
if run "hit" 1 --ref ref.csv --cur ref.csv --features b --returns ret.csv \
    --sharpe-min 5 --hit-min 0.8; then
    has "hit" "  hit_rate 0.75 < 0.8"
fi
run "window" 0 --ref ref.csv --cur ref.csv --features b --returns ret.csv \
    --window 2 --sharpe-min 22 --hit-min 1 &&
    has "window" "returns: ret.csv column r, last 2 of 4 rows: sharpe 22.450, hit rate 1.000"

# 2024-01-01 to 2024-01-31 is 30 days: due every 30 days, not every 31.
if run "schedule" 1 --ref ref.csv --cur ref.csv --features b \
    --schedule-days 30 --last-train 2024-01-01 --now 2024-01-31; then
    has "schedule" "schedule: last train 2024-01-01, now 2024-01-31: 30 days, every 30: due"
    has "schedule" "  schedule 30 >= 30"
fi
run "not due" 0 --ref ref.csv --cur ref.csv --features b \
    --schedule-days 31 --last-train 2024-01-01 --now 2024-01-31 &&
    has "not due" "schedule: last train 2024-01-01, now 2024-01-31: 30 days, every 31: not due"

# ---------------------------------------------------------------------------
# Bad input: exit 2 with a message naming the problem
# ---------------------------------------------------------------------------

cat >bad.csv <<'EOF'
ts,a,b
1,1,5
2,x2,6
EOF
cat >other.csv <<'EOF'
ts,a,c
1,1,5
EOF
cat >short.csv <<'EOF'
ts,a,b
1,1
EOF
run "no ref" 2 --cur cur.csv &&
    err_is "no ref" "kairos: drift: --ref and --cur are required (try 'kairos drift --help')"
run "bad cell" 2 --ref bad.csv --cur cur.csv &&
    err_is "bad cell" "kairos: bad.csv:3:2: field 'a': expected a finite number, got 'x2'"
# Columns not selected are not parsed: the bad cell in a is no error when
# only b is compared (b = {5,6} against {5,6,7} drifts: status 1, not 2).
run "bad cell skipped" 1 --ref bad.csv --cur cur.csv --features b
run "short row" 2 --ref short.csv --cur cur.csv &&
    err_is "short row" "kairos: short.csv:2: 2 fields, the header has 3"
run "headers" 2 --ref ref.csv --cur other.csv &&
    err_is "headers" "kairos: drift: ref.csv and other.csv have different headers (name the columns to compare with --features)"
run "no column" 2 --ref ref.csv --cur other.csv --features a,b &&
    err_is "no column" "kairos: drift: other.csv: no column 'b'"
run "no file" 2 --ref nosuch.csv --cur cur.csv &&
    grep -q "nosuch.csv" "$T/err" || fail "no file: message does not name the file"
run "schedule alone" 2 --ref ref.csv --cur cur.csv --schedule-days 3 &&
    err_is "schedule alone" "kairos: drift: --schedule-days and --last-train go together"
run "sharpe alone" 2 --ref ref.csv --cur cur.csv --sharpe-min 1 &&
    err_is "sharpe alone" "kairos: drift: --sharpe-min and --hit-min need --returns FILE"
run "bad psi" 2 --ref ref.csv --cur cur.csv --psi abc &&
    err_is "bad psi" "kairos: drift: option --psi: expected a number, got 'abc'"
run "bad bins" 2 --ref ref.csv --cur cur.csv --bins 1 &&
    err_is "bad bins" "kairos: drift: option --bins: 1 is outside [2, 10000]"
run "bad date" 2 --ref ref.csv --cur cur.csv --schedule-days 3 \
    --last-train yesterday &&
    err_is "bad date" "kairos: drift: option --last-train: expected a date like 2024-05-01, got 'yesterday'"
run "unknown" 2 --ref ref.csv --cur cur.csv --frobnicate &&
    err_is "unknown" "kairos: drift: unknown option '--frobnicate' (try 'kairos drift --help')"
run "help" 0 --help && grep -q "^usage: kairos drift" "$T/out" ||
    fail "help: no usage line"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "drift.sh: all checks passed"
