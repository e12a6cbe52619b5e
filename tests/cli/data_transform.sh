#!/usr/bin/env bash
# data_transform.sh -- `kairos data resample` and `kairos data adjust` end to
# end: small CSV files in a temporary directory, exact expected output, and
# the exit status of every kind of bad usage.
#
#   bash data_transform.sh KAIROS_BINARY SOURCE_DIR
#
# Expected numbers are worked out by hand in the comments above each case
# (the same series as tests/data/test_resample.c and test_actions.c).
set -u
K=${1:?usage: data_transform.sh KAIROS_BINARY SOURCE_DIR}
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K") # absolute: we cd below
[ -x "$K" ] || { echo "no kairos binary at $K" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
fails=0

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# expect_out NAME WANT_STATUS EXPECTED_STDOUT -- ARGS...: runs kairos with
# ARGS and compares the exit status and the whole of stdout.
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

# expect_err NAME WANT_STATUS EXPECTED_STDERR -- ARGS...: the same for the
# whole of stderr, with stdout required empty.
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

# ---------------------------------------------------------------------------
# resample
# ---------------------------------------------------------------------------

# One-minute bars, 09:33 missing; the last bucket (09:40) holds two minutes.
cat >m1.csv <<'EOF'
timestamp,open,high,low,close,volume
2020-01-02T09:30:00Z,100,101,99,100.5,10
2020-01-02T09:31:00Z,100.5,110,100,101,20
2020-01-02T09:32:00Z,101,102,95,101.5,30
2020-01-02T09:34:00Z,101.5,103,101,102,40
2020-01-02T09:35:00Z,102,104,101.5,103,50
2020-01-02T09:36:00Z,103,103.5,97,98,60
2020-01-02T09:37:00Z,98,99,96,97,70
2020-01-02T09:38:00Z,97,108,96.5,107,80
2020-01-02T09:39:00Z,107,107.5,106,106.5,90
2020-01-02T09:40:00Z,106.5,107,105,105.5,100
2020-01-02T09:41:00Z,105.5,106,104,104.25,110
EOF
# 09:30: open 100, high 110 (09:31), low 95 (09:32), close 102, 10+20+30+40
# 09:35: open 102, high 108 (09:38), low 96 (09:37), close 106.5, 50+..+90
# 09:40: open 106.5, high 107, low 104, close 104.25, 100+110
expect_out "resample 1m->5m" 0 "timestamp,open,high,low,close,volume
2020-01-02T09:30:00Z,100,110,95,102,100
2020-01-02T09:35:00Z,102,108,96,106.5,350
2020-01-02T09:40:00Z,106.5,107,104,104.25,210" -- data resample m1.csv --to 5m

# The same to a file (one 1h bar, volume 10+20+...+110 = 660): nothing on
# stdout, the file holds the bars, no
# temporary file is left behind.
expect_out "resample -o" 0 "" -- data resample m1.csv --to 1h -o out.csv
if [ "$(cat out.csv 2>/dev/null)" != "timestamp,open,high,low,close,volume
2020-01-02T09:00:00Z,100,110,95,104.25,660" ]; then
    fail "resample -o: out.csv holds: $(cat out.csv 2>/dev/null)"
fi
ls out.csv.tmp.* >/dev/null 2>&1 && fail "resample -o: temporary file left"

# Out of order rows are sorted, a repeated timestamp keeps its first row and
# an unparsable row is skipped; both counts are logged at warn level.
cat >dirty.csv <<'EOF'
timestamp,open,high,low,close,volume
2020-01-02T09:31:00Z,2,2,2,2,1
2020-01-02T09:30:00Z,1,1,1,1,1
2020-01-02T09:31:00Z,9,9,9,9,9
not-a-time,1,1,1,1,1
2020-01-02T09:32:00Z,3,3,3,3,1
EOF
expect_out "resample dirty" 0 "timestamp,open,high,low,close,volume
2020-01-02T09:30:00Z,1,3,1,3,3" -- data resample dirty.csv --to 5m
grep -q "dirty.csv: dropped 1 row with a repeated timestamp (kept the first of each), skipped 1 unparsable row" "$T/stderr" ||
    fail "resample dirty: warning missing from stderr: $(cat "$T/stderr")"

# Daily bars of two symbols to weeks. 2019-12-30 is a Monday, so Wednesday
# 2020-01-01 belongs to the week stamped 2019-12-30.
cat >days.csv <<'EOF'
date,symbol,open,high,low,close,volume
2019-12-27,AAA,1,2,0.5,1.5,10
2019-12-30,AAA,2,2.5,1.5,2.25,5
2020-01-01,AAA,3,3.5,0.25,3.25,5
2020-01-02,AAA,3.25,4,3,3.5,5
2020-01-06,AAA,4,5,3.5,4.5,7
2019-12-30,BBB,10,11,9,10,1
2020-01-01,BBB,10,12,10,11,1
2020-01-02,BBB,11,11,8,9,1
EOF
expect_out "resample 1d->1w" 0 "timestamp,symbol,open,high,low,close,volume
2019-12-23,AAA,1,2,0.5,1.5,10
2019-12-30,AAA,2,4,0.25,3.5,15
2020-01-06,AAA,4,5,3.5,4.5,7
2019-12-30,BBB,10,12,8,9,3" -- data resample days.csv --to 1w

# --symbol keeps one series (written without a symbol column); to months.
expect_out "resample --symbol 1M" 0 "timestamp,open,high,low,close,volume
2019-12-01,1,2.5,0.5,2.25,15
2020-01-01,3,5,0.25,4.5,17" -- data resample days.csv --symbol AAA --to 1M

# Help and bad usage.
"$K" data resample --help >"$T/help" 2>&1 || fail "resample --help: exit status $?"
grep -q "^usage: kairos data resample FILE --to INTERVAL" "$T/help" ||
    fail "resample --help: no usage line"
grep -q "^examples:" "$T/help" || fail "resample --help: no examples"

expect_err "resample finer target" 2 \
    "kairos: resample: m1.csv: cannot resample m1 to 30s: its bars are 1m apart and the target may not be finer" \
    -- data resample m1.csv --to 30s
expect_err "resample bad interval" 2 \
    "kairos: resample: option --to: expected an interval like 5m, 1h, 1d, 1w or 1M, got '5x'" \
    -- data resample m1.csv --to 5x
expect_err "resample missing --to" 2 \
    "kairos: resample: missing --to INTERVAL, e.g. --to 1h (try 'kairos data resample --help')" \
    -- data resample m1.csv
expect_err "resample --to without a value" 2 \
    "kairos: resample: option --to needs a value (try 'kairos data resample --help')" \
    -- data resample m1.csv --to
expect_err "resample unknown option" 2 \
    "kairos: resample: unknown option '--frobnicate' (try 'kairos data resample --help')" \
    -- data resample m1.csv --to 5m --frobnicate
expect_err "resample no file" 2 \
    "kairos: resample: missing FILE (try 'kairos data resample --help')" \
    -- data resample --to 5m
expect_err "resample two files" 2 \
    "kairos: resample: unexpected argument 'days.csv': one FILE at a time" \
    -- data resample m1.csv days.csv --to 1d
expect_err "resample unknown symbol" 2 \
    "kairos: resample: no symbol 'ZZZ' in days.csv (its symbols: AAA, BBB)" \
    -- data resample days.csv --to 1w --symbol ZZZ
"$K" data resample missing.csv --to 1d >/dev/null 2>"$T/stderr"
rc=$?
[ "$rc" -eq 2 ] || fail "resample missing file: exit status $rc"
grep -q "missing.csv" "$T/stderr" || fail "resample missing file: $(cat "$T/stderr")"

# ---------------------------------------------------------------------------
# adjust
# ---------------------------------------------------------------------------

# Five bars; a 2-for-1 split goes ex on 01-08 and a $1 dividend on 01-10.
# Dividend factor 1 - 1/32 (close of 01-09) = 0.96875 for bars before 01-10;
# bars before 01-08 also halve: 0.484375, with volume doubled.
cat >AAPL.csv <<'EOF'
Date,Open,High,Low,Close,Adj Close,Volume
2020-01-06,64,66,62,64,32,1000
2020-01-07,64,68,63,66,33,1200
2020-01-08,33,34,32,33,33,2600
2020-01-09,33,33.5,31.5,32,32,2200
2020-01-10,31,31.5,30.5,31,31,2000
EOF
cat >actions.csv <<'EOF'
date;symbol;type;value
2020-01-10;;dividend;1
2020-01-08;AAPL;split;2:1
2020-01-07;MSFT;split;10
EOF
expect_out "adjust --actions" 0 "timestamp,open,high,low,close,adj_close,volume
2020-01-06,31,31.96875,30.03125,31,32,2000
2020-01-07,31,32.9375,30.515625,31.96875,33,2400
2020-01-08,31.96875,32.9375,31,31.96875,33,2600
2020-01-09,31.96875,32.453125,30.515625,31,32,2200
2020-01-10,31,31.5,30.5,31,31,2000" -- data adjust AAPL.csv --actions actions.csv
grep -q "actions.csv: 1 action names a symbol not in the data, e.g. 'MSFT' on line 4" "$T/stderr" ||
    fail "adjust --actions: no warning about MSFT: $(cat "$T/stderr")"

# From adj close: factor adj/close is 0.5 on the first two rows, 1 after.
expect_out "adjust adj close" 0 "timestamp,open,high,low,close,adj_close,volume
2020-01-06,32,33,31,32,32,1000
2020-01-07,32,34,31.5,33,33,1200
2020-01-08,33,34,32,33,33,2600
2020-01-09,33,33.5,31.5,32,32,2200
2020-01-10,31,31.5,30.5,31,31,2000" -- data adjust AAPL.csv

expect_out "adjust -o" 0 "" -- data adjust AAPL.csv -o adj.csv
[ "$(sed -n 2p adj.csv 2>/dev/null)" = "2020-01-06,32,33,31,32,32,1000" ] ||
    fail "adjust -o: adj.csv holds: $(cat adj.csv 2>/dev/null)"

"$K" data adjust --help >"$T/help" 2>&1 || fail "adjust --help: exit status $?"
grep -q "^usage: kairos data adjust FILE \[--actions FILE\] \[-o OUT\]" "$T/help" ||
    fail "adjust --help: no usage line"

expect_err "adjust without adj close" 2 \
    "kairos: adjust: m1.csv has no adjusted-close column: give --actions FILE, or a file with an 'Adj Close' column" \
    -- data adjust m1.csv
printf 'date,type,value\n2020-01-08,split,2\n2020-01-10,dividend,x\n' >bad.csv
expect_err "adjust bad actions value" 2 \
    "kairos: bad.csv:3:3: field 'value': expected a positive cash amount per share like 0.25, got 'x'" \
    -- data adjust AAPL.csv --actions bad.csv
printf 'date,type\n2020-01-08,split\n' >nocol.csv
expect_err "adjust actions without value column" 2 \
    "kairos: nocol.csv:1: field 'value': missing column: expected a header with value (or ratio, amount)" \
    -- data adjust AAPL.csv --actions nocol.csv
printf 'date,type,value\n2020-01-10,dividend,32\n' >big.csv
expect_err "adjust dividend above the close" 2 \
    "kairos: big.csv:2: dividend 32 for AAPL on 2020-01-10 is not below 32, the close of 2020-01-09 (the last bar before the ex-date)" \
    -- data adjust AAPL.csv --actions big.csv
expect_err "adjust unknown option" 2 \
    "kairos: adjust: unknown option '-x' (try 'kairos data adjust --help')" \
    -- data adjust AAPL.csv -x
expect_err "adjust --actions without a value" 2 \
    "kairos: adjust: option --actions needs a value (try 'kairos data adjust --help')" \
    -- data adjust AAPL.csv --actions
"$K" data adjust AAPL.csv --actions nothere.csv >/dev/null 2>"$T/stderr"
rc=$?
[ "$rc" -eq 2 ] || fail "adjust missing actions file: exit status $rc"
grep -q "nothere.csv: cannot open: No such file or directory" "$T/stderr" ||
    fail "adjust missing actions file: $(cat "$T/stderr")"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "data_transform: all checks passed"
