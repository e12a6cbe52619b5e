#!/usr/bin/env bash
# features.sh -- `kairos features` and `kairos label` end to end: exact
# output on a hand-made four-bar file, the check on synthetic data, labels
# and weights on a six-bar file worked by hand, --list --markdown against
# docs/features.md, and the exit status and message of bad usage.
#
#   bash features.sh KAIROS_BINARY SOURCE_DIR
set -u
K=${1:?usage: features.sh KAIROS_BINARY SOURCE_DIR}
SRC=${2:?usage: features.sh KAIROS_BINARY SOURCE_DIR}
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
SRC=$(cd "$SRC" && pwd)
[ -x "$K" ] || { echo "no kairos binary at $K" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
fails=0
PY=/usr/bin/python3

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

expect_out() {
    local name=$1 want_rc=$2 want=$3
    shift 4
    local got rc
    got=$("$K" "$@" 2>"$T/stderr")
    rc=$?
    if [ "$rc" -ne "$want_rc" ]; then
        fail "$name: exit status $rc, expected $want_rc; stderr: $(cat "$T/stderr")"
    elif [ "$got" != "$want" ]; then
        fail "$name: output differs"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2
    fi
}

expect_err() {
    local name=$1 want_rc=$2 want=$3
    shift 4
    local got rc
    "$K" "$@" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    got=$(cat "$T/stderr")
    if [ "$rc" -ne "$want_rc" ]; then
        fail "$name: exit status $rc, expected $want_rc; stderr: $got"
    elif [ "$got" != "$want" ]; then
        fail "$name: stderr differs"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2
    elif [ -s "$T/stdout" ]; then
        fail "$name: unexpected output on stdout: $(cat "$T/stdout")"
    fi
}

if ! "$K" features --help >/dev/null 2>&1 || ! "$K" label --help >/dev/null 2>&1; then
    echo "FAIL: 'kairos features' or 'kairos label' is not a command (src/cli/commands.h)" >&2
    exit 1
fi

# ---------------------------------------------------------------------------
# Features on four daily bars
# ---------------------------------------------------------------------------
cat >bars.csv <<'EOF'
date,open,high,low,close,volume
2024-01-01,100,102,99,101,10
2024-01-02,102,104,100,103,30
2024-01-03,101,105,100,104,20
2024-01-04,105,106,103,105,40
EOF
# range = (h - l) / c: 3/101, 4/103, 5/104, 3/105; gap = o / c[t-1] - 1:
# 102/101 - 1, 101/103 - 1, 105/104 - 1; dow: Monday (0) to Thursday (3);
# volratio:2 = v / mean of two: 30/20 = 1.5, 20/25 = 0.8, 40/30.
# Numbers to 17 digits, as C and Python both print them.
want=$($PY -c '
r = lambda x: "%.17g" % x
rows = [(3/101, None, 0, None), (4/103, 102/101 - 1, 1, 1.5),
        (5/104, 101/103 - 1, 2, 20/25), (3/105, 105/104 - 1, 3, 40/30)]
print("timestamp,range,gap,dow,volratio_2")
for d, (a, g, w, v) in zip(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], rows):
    print(",".join([d, r(a), "" if g is None else r(g), str(w), "" if v is None else r(v)]))
')
expect_out "four bars" 0 "$want" -- features bars.csv --set range,gap,dow,volratio:2
"$K" features bars.csv --set range,gap,dow,volratio:2 -o out.csv 2>"$T/stderr" ||
    fail "-o: exit status $?: $(cat "$T/stderr")"
[ "$(cat out.csv)" = "$want" ] || fail "-o: file differs from stdout"
ls out.csv.tmp.* >/dev/null 2>&1 && fail "-o: temporary file left behind"

# ---------------------------------------------------------------------------
# The look-ahead check on synthetic data: every kind, normalized too
# ---------------------------------------------------------------------------
"$K" data synth --rows 400 --symbols 2 --interval 1h --seed 3 -o syn.csv 2>/dev/null ||
    fail "data synth failed"
SPEC="ret:1,ret:5,ret:20,vol:20,range,gap,volratio:20,dow,hour,month,zvol:20,dret:20,detrend:50,bbpos:20,vwmom:10,ind:rsi:14,ind:macd:12,26,9"
# Cuts: 30 spread over 1..399 plus the look-back 49 (detrend:50) and 50.
"$K" features check syn.csv --set "$SPEC" --cuts 30 >check.txt 2>"$T/stderr"
rc=$?
[ "$rc" -eq 0 ] || fail "check: exit status $rc: $(cat "$T/stderr")"
[ "$(wc -l <check.txt)" -eq 2 ] || fail "check: expected two lines: $(cat check.txt)"
grep -q '^SYN0000: 400 bars, 32 cuts, [0-9]* values compared: ok$' check.txt ||
    fail "check: SYN0000 line: $(cat check.txt)"
grep -q '^SYN0001: 400 bars, 32 cuts, [0-9]* values compared: ok$' check.txt ||
    fail "check: SYN0001 line: $(cat check.txt)"
"$K" features check syn.csv --set "$SPEC" --normalize 30 --symbol SYN0001 >check.txt 2>"$T/stderr" ||
    fail "check --normalize: exit status $?: $(cat check.txt)"
grep -q '^SYN0001: 400 bars, [0-9]* cuts, [0-9]* values compared: ok$' check.txt ||
    fail "check --normalize: $(cat check.txt)"
# Two series: a symbol column, 800 rows and the header.
"$K" features syn.csv --set ret:1,vol:20@z:50 >two.csv 2>/dev/null || fail "two series: exit status $?"
[ "$(head -n 1 two.csv)" = "timestamp,symbol,ret_1,vol_20@z50" ] || fail "two series: header $(head -n 1 two.csv)"
[ "$(wc -l <two.csv)" -eq 801 ] || fail "two series: $(wc -l <two.csv) lines"

# ---------------------------------------------------------------------------
# Labels on six bars, fixed horizon h = 2
# ---------------------------------------------------------------------------
cat >six.csv <<'EOF'
date,open,high,low,close,volume
2024-02-05,100,100,100,100,1
2024-02-06,101,101,101,101,1
2024-02-07,100,100,100,100,1
2024-02-08,99,99,99,99,1
2024-02-09,101,101,101,101,1
2024-02-12,99,99,99,99,1
EOF
# Row 0: 100 -> 100, ret 0, label 0; row 1: 101 -> 99, -1; row 2: 100 -> 101,
# +1; row 3: 99 -> 99, 0; rows 4, 5 have no bar two ahead. Spans [0,2] [1,3]
# [2,4] [3,5]: concurrency 1 2 3 3 2 1, weights (1 + 1/2 + 1/3)/3 = 11/18,
# (1/2 + 1/3 + 1/3)/3 = 7/18, 7/18 and 11/18.
"$K" label six.csv --horizon h=2 >labels.csv 2>"$T/stderr" || fail "label: exit status $?: $(cat "$T/stderr")"
$PY - labels.csv <<'EOF' || fail "label: values differ"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = [("0", "2024-02-07", 0.0, 11/18), ("-1", "2024-02-08", math.log(99/101), 7/18),
        ("1", "2024-02-09", math.log(101/100), 7/18), ("0", "2024-02-12", 0.0, 11/18)]
assert len(rows) == 6, len(rows)
assert list(rows[0].keys()) == ["timestamp", "label", "end_timestamp", "ret", "weight"], rows[0].keys()
for r, (lab, end, ret, w) in zip(rows, want):
    assert r["label"] == lab and r["end_timestamp"] == end, r
    assert abs(float(r["ret"]) - ret) < 1e-15 and abs(float(r["weight"]) - w) < 1e-14, r
for r in rows[4:]:
    assert r["label"] == r["end_timestamp"] == r["ret"] == r["weight"] == "", r
EOF
# The triple barrier on synthetic data: every labelled row ends within h.
"$K" label syn.csv --symbol SYN0000 --triple-barrier pt=1,sl=1,h=5,vol=10 -o tb.csv 2>/dev/null ||
    fail "triple barrier: exit status $?"
$PY - tb.csv <<'EOF' || fail "triple barrier: bad rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 400
ts = [r["timestamp"] for r in rows]
lab = [r for r in rows if r["label"] != ""]
assert len(lab) == 400 - 10 - 5, len(lab)  # no vol for 10 rows, no future for 5
for i, r in enumerate(rows):
    if r["label"] == "":
        continue
    j = ts.index(r["end_timestamp"])
    assert i < j <= i + 5 and r["label"] in ("1", "-1", "0") and 0 < float(r["weight"]) <= 1, r
EOF

# ---------------------------------------------------------------------------
# --list and the docs
# ---------------------------------------------------------------------------
"$K" features --list --markdown >md 2>"$T/stderr" || fail "--list --markdown: exit status $?"
sed -n '/^<!-- BEGIN kairos features --list --markdown/,/^<!-- END kairos features --list --markdown/p' \
    "$SRC/docs/features.md" | sed '1d;$d' >doc_table
cmp -s md doc_table ||
    fail "docs/features.md's table differs from 'kairos features --list --markdown'"
"$K" features --list | grep -q '^vwmom  volume-weighted momentum$' || fail "--list: no vwmom"

# ---------------------------------------------------------------------------
# Bad usage: exit 2, one line naming the option
# ---------------------------------------------------------------------------
expect_err "bad kind" 2 \
    "kairos: features: --set: item 'nosuch:3': unknown feature 'nosuch' (kairos features --list shows them all)" \
    -- features bars.csv --set ret:1,nosuch:3
expect_err "bad window" 2 \
    "kairos: features: --set: item 'vol:1': n: expected a whole number in 2 .. 100000, got '1'" \
    -- features bars.csv --set vol:1
expect_err "bad indicator" 2 \
    "kairos: features: --set: item 'ind:rsi:1': period: 1 is outside [2, 100000]" \
    -- features bars.csv --set ind:rsi:1
expect_err "empty spec" 2 \
    "kairos: features: --set: empty feature spec: expected items such as ret:1,vol:20,ind:rsi:14" \
    -- features bars.csv --set ,
expect_err "no set" 2 \
    "kairos: features: missing --set SPEC, e.g. --set ret:1,vol:20,ind:rsi:14 (try 'kairos features --list')" \
    -- features bars.csv
expect_err "bad cuts" 2 \
    "kairos: features: option --cuts: 0 is outside [1, 100000]" \
    -- features check bars.csv --set ret:1 --cuts 0
expect_err "cuts without check" 2 \
    "kairos: features: --cuts goes with 'features check'" \
    -- features bars.csv --set ret:1 --cuts 5
expect_err "missing file" 2 \
    "kairos: features: missing FILE (try 'kairos features --help')" \
    -- features --set ret:1
expect_err "bad pt" 2 \
    "kairos: label: --triple-barrier: pt: expected a number in 0 .. 1e+06, got '-1'" \
    -- label bars.csv --triple-barrier pt=-1,sl=2,h=10,vol=20
expect_err "bad key" 2 \
    "kairos: label: --horizon: q: unknown key: expected h, k or vol" \
    -- label bars.csv --horizon q=1
expect_err "both methods" 2 \
    "kairos: label: give one of --triple-barrier pt=2,sl=2,h=10,vol=20 and --horizon h=5" \
    -- label bars.csv --horizon h=1 --triple-barrier h=2

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "features.sh: all passed"
