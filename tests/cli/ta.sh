#!/usr/bin/env bash
# ta.sh -- `kairos ta` end to end: small CSV files in a temporary directory,
# exact expected output (numbers, column names, empty cells for the warm-up),
# --list and --list --markdown against docs/indicators.md, and the exit
# status and message of every kind of bad usage.
#
#   bash ta.sh KAIROS_BINARY SOURCE_DIR
#
# Expected numbers are worked out by hand next to each case; the numeric
# checks use SMA, whose arithmetic is TA-Lib's: a running sum that adds the
# newest value, divides by the period, then subtracts the oldest.
set -u
K=${1:?usage: ta.sh KAIROS_BINARY SOURCE_DIR}
SRC=${2:?usage: ta.sh KAIROS_BINARY SOURCE_DIR}
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K") # absolute: we cd below
SRC=$(cd "$SRC" && pwd)
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

# has_indicator NAME: true when this build's table holds NAME.
has_indicator() {
    "$K" ta --list 2>/dev/null | grep -q "^$1  "
}

# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

# Closes 1..6: SMA(3) is empty (warm-up) on the first two bars, then
# (1+2+3)/3 = 2, 3, 4, 5. SMA(2) starts a bar earlier: 1.5, 2.5, ...
cat >six.csv <<'EOF'
date,open,high,low,close,volume
2020-01-01,1,1.5,0.5,1,100
2020-01-02,2,2.5,1.5,2,100
2020-01-03,3,3.5,2.5,3,100
2020-01-04,4,4.5,3.5,4,100
2020-01-05,5,5.5,4.5,5,100
2020-01-06,6,6.5,5.5,6,100
EOF
expect_out "sma:3" 0 "timestamp,sma_3
2020-01-01,
2020-01-02,
2020-01-03,2
2020-01-04,3
2020-01-05,4
2020-01-06,5" -- ta six.csv --ind sma:3

expect_out "two indicators, --ind and -i" 0 "timestamp,sma_3,sma_2
2020-01-01,,
2020-01-02,,1.5
2020-01-03,2,2.5
2020-01-04,3,3.5
2020-01-05,4,4.5
2020-01-06,5,5.5" -- ta six.csv --ind sma:3 -i sma:period=2

# Fewer bars than the warm-up: every cell empty, no failure.
expect_out "sma:10 on six bars" 0 "timestamp,sma_10
2020-01-01,
2020-01-02,
2020-01-03,
2020-01-04,
2020-01-05,
2020-01-06," -- ta six.csv --ind sma:10

# Round-trip precision: %.17g. Sums in TA-Lib's order: 0.1 + 0.2 + 0.3 is
# 0.6000000000000001, / 3 = 0.20000000000000004; then - 0.1 + 0.4 is
# 0.9000000000000001, / 3 = 0.30000000000000004. Intraday stamps are ISO.
cat >tenths.csv <<'EOF'
timestamp,open,high,low,close,volume
2020-01-02T09:30:00Z,0.1,0.1,0.1,0.1,1
2020-01-02T09:31:00Z,0.2,0.2,0.2,0.2,1
2020-01-02T09:32:00Z,0.3,0.3,0.3,0.3,1
2020-01-02T09:33:00Z,0.4,0.4,0.4,0.4,1
EOF
expect_out "sma:3 precision" 0 "timestamp,sma_3
2020-01-02T09:30:00Z,
2020-01-02T09:31:00Z,
2020-01-02T09:32:00Z,0.20000000000000004
2020-01-02T09:33:00Z,0.30000000000000004" -- ta tenths.csv --ind sma:3

# Out of order rows are sorted and a repeated timestamp keeps its first row
# (the 9 is dropped), with a warning; then SMA(2): 1.5, 2.5.
cat >dirty.csv <<'EOF'
date,open,high,low,close,volume
2020-01-02,2,2,2,2,1
2020-01-01,1,1,1,1,1
2020-01-02,9,9,9,9,1
2020-01-03,3,3,3,3,1
EOF
expect_out "dirty" 0 "timestamp,sma_2
2020-01-01,
2020-01-02,1.5
2020-01-03,2.5" -- ta dirty.csv --ind sma:2
grep -q "dirty.csv: dropped 1 row with a repeated timestamp (kept the first of each), skipped 0 unparsable rows" "$T/stderr" ||
    fail "dirty: warning missing from stderr: $(cat "$T/stderr")"

# Two symbols: a symbol column, series after series; --symbol keeps one
# (without the column).
cat >two.csv <<'EOF'
date,symbol,open,high,low,close,volume
2020-01-01,AAA,1,1,1,1,1
2020-01-02,AAA,2,2,2,2,1
2020-01-03,AAA,4,4,4,4,1
2020-01-01,BBB,10,10,10,10,1
2020-01-02,BBB,20,20,20,20,1
EOF
expect_out "two symbols" 0 "timestamp,symbol,sma_2
2020-01-01,AAA,
2020-01-02,AAA,1.5
2020-01-03,AAA,3
2020-01-01,BBB,
2020-01-02,BBB,15" -- ta two.csv --ind sma:2
expect_out "--symbol" 0 "timestamp,sma_2
2020-01-01,
2020-01-02,15" -- ta two.csv --ind sma:2 --symbol BBB

# To a file: nothing on stdout, no temporary file left behind.
expect_out "-o" 0 "" -- ta six.csv --ind sma:5 -o out.csv
if [ "$(cat out.csv 2>/dev/null)" != "timestamp,sma_5
2020-01-01,
2020-01-02,
2020-01-03,
2020-01-04,
2020-01-05,3
2020-01-06,4" ]; then
    fail "-o: out.csv holds: $(cat out.csv 2>/dev/null)"
fi
ls out.csv.tmp.* >/dev/null 2>&1 && fail "-o: temporary file left"

# ---------------------------------------------------------------------------
# Column names (the header line only: the numbers are test_parity's job)
# ---------------------------------------------------------------------------

header() {
    "$K" ta six.csv "$@" 2>"$T/stderr" | head -n 1
}
[ "$(header --ind sma)" = "timestamp,sma_30" ] ||
    fail "sma default column: $(header --ind sma)"
if has_indicator macd; then
    [ "$(header --ind macd:12,26,9)" = "timestamp,macd_12_26_9.macd,macd_12_26_9.signal,macd_12_26_9.hist" ] ||
        fail "macd columns: $(header --ind macd:12,26,9)"
fi
if has_indicator bbands; then
    [ "$(header --ind bbands:period=20,nbdev=2)" = "timestamp,bbands_20_2.upper,bbands_20_2.middle,bbands_20_2.lower" ] ||
        fail "bbands columns: $(header --ind bbands:period=20,nbdev=2)"
fi
if has_indicator stoch; then
    [ "$(header --ind stoch:14,3,3)" = "timestamp,stoch_14_3_3.k,stoch_14_3_3.d" ] ||
        fail "stoch columns: $(header --ind stoch:14,3,3)"
fi
if has_indicator adx; then
    [ "$(header --ind adx)" = "timestamp,adx_14.adx,adx_14.plus_di,adx_14.minus_di" ] ||
        fail "adx columns: $(header --ind adx)"
fi
if has_indicator rsi; then
    [ "$(header --ind rsi)" = "timestamp,rsi_14" ] ||
        fail "rsi column: $(header --ind rsi)"
fi

# Every indicator runs with its defaults on the bundled S&P 500 file, with
# one column per output and one row per bar.
rows=$(grep -c . "$SRC/data/sp500.csv") # the header and one line a bar
while read -r name _; do
    nout=$("$K" ta --list | awk -v n="$name" '$1 == n { f = 1; next }
        f && /^  outputs:/ { sub(/^  outputs: /, ""); print split($0, a, ", "); exit }')
    "$K" ta "$SRC/data/sp500.csv" --ind "$name" >"$T/all.csv" 2>"$T/stderr" ||
        { fail "$name on sp500: exit status $?: $(cat "$T/stderr")"; continue; }
    got_rows=$(grep -c . "$T/all.csv")
    got_cols=$(head -n 1 "$T/all.csv" | awk -F, '{ print NF - 1 }')
    [ "$got_rows" -eq "$rows" ] || fail "$name on sp500: $got_rows lines, expected $rows"
    [ "$got_cols" -eq "$nout" ] || fail "$name on sp500: $got_cols columns, expected $nout"
done < <("$K" ta --list | grep -v '^ ')

# ---------------------------------------------------------------------------
# --list
# ---------------------------------------------------------------------------

"$K" ta --list >"$T/list" 2>"$T/stderr" || fail "--list: exit status $?"
grep -A4 -x "sma  Simple Moving Average (TA-Lib SMA)" "$T/list" >"$T/sma" ||
    fail "--list: no sma entry"
[ "$(cat "$T/sma")" = "sma  Simple Moving Average (TA-Lib SMA)
  inputs:  close
  params:  period=30 [2..100000]
  outputs: sma
  formula: sma = sum(close, period) / period" ] ||
    fail "--list: sma entry is: $(cat "$T/sma")"
# Each indicator: a name line and four indented lines.
n_ind=$(grep -vc '^ ' "$T/list")
n_lines=$(wc -l <"$T/list")
[ "$n_lines" -eq $((n_ind * 5)) ] || fail "--list: $n_lines lines for $n_ind indicators"
[ "$n_ind" -ge 1 ] || fail "--list: empty"

# docs/indicators.md holds exactly the table --list --markdown prints,
# between its BEGIN and END markers. (It fails until the doc is regenerated
# after an indicator lands: see the doc's header.)
"$K" ta --list --markdown >"$T/md" 2>"$T/stderr" || fail "--list --markdown: exit status $?"
sed -n '/^<!-- BEGIN kairos ta --list --markdown/,/^<!-- END kairos ta --list --markdown/p' \
    "$SRC/docs/indicators.md" | sed '1d;$d' >"$T/doc_table"
if ! cmp -s "$T/md" "$T/doc_table"; then
    fail "docs/indicators.md's table differs from 'kairos ta --list --markdown' (regenerate it)"
    diff "$T/doc_table" "$T/md" >&2
fi
[ "$(head -n 1 "$T/md")" = "| indicator | name | inputs | parameters | outputs | TA-Lib | definition |" ] ||
    fail "--markdown: header is $(head -n 1 "$T/md")"
grep -qF '| `sma` | Simple Moving Average | close | `period`=30 [2..100000] | sma | SMA | `sma = sum(close, period) / period` |' "$T/md" ||
    fail "--markdown: no sma row"

# ---------------------------------------------------------------------------
# Help and bad usage
# ---------------------------------------------------------------------------

"$K" ta --help >"$T/help" 2>&1 || fail "ta --help: exit status $?"
grep -q "^usage: kairos ta FILE --ind NAME\[:P1,P2,...\]" "$T/help" ||
    fail "ta --help: no usage line"
grep -q "^examples:" "$T/help" || fail "ta --help: no examples"
"$K" --help | grep -q "^  ta  *technical indicators" || fail "kairos --help does not list ta"

expect_err "unknown indicator" 2 \
    "kairos: ta: --ind 'nope:3': unknown indicator 'nope' (kairos ta --list shows them all)" \
    -- ta six.csv --ind nope:3
expect_err "out of range" 2 \
    "kairos: ta: --ind 'sma:1': period: 1 is outside [2, 100000]" \
    -- ta six.csv --ind sma:1
expect_err "not a number" 2 \
    "kairos: ta: --ind 'sma:abc': period: expected a number, got 'abc'" \
    -- ta six.csv --ind sma:abc
expect_err "not whole" 2 \
    "kairos: ta: --ind 'sma:2.5': period: expected a whole number, got 2.5" \
    -- ta six.csv --ind sma:2.5
expect_err "too many parameters" 2 \
    "kairos: ta: --ind 'sma:3,4': sma takes 1 parameter" \
    -- ta six.csv --ind sma:3,4
expect_err "unknown parameter" 2 \
    "kairos: ta: --ind 'sma:len=3': len: sma has no parameter 'len'" \
    -- ta six.csv --ind sma:len=3
# A bad spec after a good one: nothing is written.
expect_err "bad second spec" 2 \
    "kairos: ta: --ind 'sma:0': period: 0 is outside [2, 100000]" \
    -- ta six.csv --ind sma:3 --ind sma:0
if has_indicator macd; then
    "$K" ta six.csv --ind macd:26,12,9 >"$T/stdout" 2>"$T/stderr"
    rc=$?
    [ "$rc" -eq 2 ] || fail "macd fast >= slow: exit status $rc"
    [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "^kairos: ta: --ind 'macd:26,12,9': " "$T/stderr" ||
        fail "macd fast >= slow: stderr: $(cat "$T/stderr")"
    [ -s "$T/stdout" ] && fail "macd fast >= slow: output on stdout"
fi
expect_err "missing --ind" 2 \
    "kairos: ta: missing --ind NAME[:P1,P2,...], e.g. --ind rsi:14 (try 'kairos ta --list')" \
    -- ta six.csv
expect_err "missing FILE" 2 \
    "kairos: ta: missing FILE (try 'kairos ta --help')" \
    -- ta --ind sma
expect_err "no arguments" 2 \
    "kairos: ta: missing FILE (try 'kairos ta --help')" \
    -- ta
expect_err "two files" 2 \
    "kairos: ta: unexpected argument 'two.csv': one FILE at a time" \
    -- ta six.csv two.csv --ind sma
expect_err "--ind without a value" 2 \
    "kairos: ta: option --ind needs a value (try 'kairos ta --help')" \
    -- ta six.csv --ind
expect_err "unknown option" 2 \
    "kairos: ta: unknown option '--frobnicate' (try 'kairos ta --help')" \
    -- ta six.csv --ind sma --frobnicate
expect_err "--markdown alone" 2 \
    "kairos: ta: --markdown goes with --list" \
    -- ta six.csv --ind sma --markdown
expect_err "--list with a file" 2 \
    "kairos: ta: --list takes no FILE and no other option than --markdown" \
    -- ta --list six.csv
expect_err "unknown symbol" 2 \
    "kairos: ta: no symbol 'ZZZ' in two.csv" \
    -- ta two.csv --ind sma:2 --symbol ZZZ
"$K" ta missing.csv --ind sma >/dev/null 2>"$T/stderr"
rc=$?
[ "$rc" -eq 2 ] || fail "missing file: exit status $rc"
grep -q "missing.csv" "$T/stderr" || fail "missing file: $(cat "$T/stderr")"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "ta.sh: all checks passed"
