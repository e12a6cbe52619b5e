#!/usr/bin/env bash
# data_synth.sh -- `kairos data synth` end to end: the same seed gives the
# same bytes (to a file and to stdout), row counts and formats follow the
# options, a deterministic path gives hand-computed prices, and every bad
# option is one line on stderr naming it, exit 2, with no file left behind.
set -u
KAIROS=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
pass=0
: "$SRC"

check() { # description, condition result
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else
        echo "FAIL: $1"; fails=$((fails + 1)); fi
}

run() { # expected-exit, args...
    local want=$1; shift
    "$KAIROS" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" -eq "$want" ] || { echo "  exit $got, expected $want: kairos $*"; cat "$T/err"; return 1; }
}

# 1. Reproducibility: same seed twice, to files and to stdout.
run 0 data synth --symbols 3 --rows 500 --seed 7 -o "$T/a.csv"; check "write a" $?
run 0 data synth --symbols 3 --rows 500 --seed 7 -o "$T/b.csv"; check "write b" $?
cmp -s "$T/a.csv" "$T/b.csv"; check "same seed, same bytes" $?
run 0 data synth --symbols 3 --rows 500 --seed 7; check "stdout run" $?
cmp -s "$T/a.csv" "$T/out"; check "stdout equals -o file" $?
run 0 data synth --symbols 3 --rows 500 --seed 8 -o "$T/c.csv"; check "write c" $?
! cmp -s "$T/a.csv" "$T/c.csv"; check "other seed, other bytes" $?
ls "$T" | grep -q tmp; [ $? -ne 0 ]; check "no temporary file left" $?

# 2. Shape: header, rows = symbols x rows + 1, symbols time-major.
[ "$(head -1 "$T/a.csv")" = "timestamp,symbol,open,high,low,close,volume" ]
check "header" $?
[ "$(wc -l <"$T/a.csv")" -eq 1501 ]; check "1501 lines" $?
[ "$(sed -n 2,4p "$T/a.csv" | cut -d, -f1,2 | tr '\n' ' ')" = \
  "2000-01-03,SYN0000 2000-01-03,SYN0001 2000-01-03,SYN0002 " ]
check "time-major rows" $?
# 1000 weekdays from Monday 2000-01-03 end on Friday 2003-10-31 (200 weeks).
run 0 data synth; check "defaults" $?
[ "$(wc -l <"$T/out")" -eq 1001 ]; check "default 1000 rows" $?
tail -1 "$T/out" | grep -q "^2003-10-31,SYN0000,"; check "last default date" $?

# 3. Intraday equity: 5-minute bars 14:30 .. 20:55, 78 a day, ISO times.
run 0 data synth --interval 5m --rows 156 --start 2024-01-05; check "5m" $?
[ "$(sed -n 2p "$T/out" | cut -d, -f1)" = "2024-01-05T14:30:00Z" ]; check "first 5m bar" $?
[ "$(sed -n 79p "$T/out" | cut -d, -f1)" = "2024-01-05T20:55:00Z" ]; check "last Friday bar" $?
[ "$(sed -n 80p "$T/out" | cut -d, -f1)" = "2024-01-08T14:30:00Z" ]; check "Monday open" $?
# crypto keeps weekends: 2024-01-06 is a Saturday.
run 0 data synth --calendar crypto --rows 7 --start 2024-01-05; check "crypto" $?
grep -q "^2024-01-06," "$T/out"; check "crypto Saturday" $?
run 0 data synth --calendar fx --rows 7 --start 2024-01-05; check "fx" $?
! grep -q "^2024-01-0[67]," "$T/out"; check "fx has no weekend" $?

# 4. Decimals follow the tick.
run 0 data synth --tick 0.0001 --rows 3; check "tick 0.0001" $?
sed -n 2p "$T/out" | grep -Eq '^2000-01-03,SYN0000,[0-9]+\.[0-9]{4},[0-9]+\.[0-9]{4},[0-9]+\.[0-9]{4},[0-9]+\.[0-9]{4},[0-9]+$'
check "4 decimals" $?
run 0 data synth --tick 1 --s0 5000 --rows 3; check "tick 1" $?
sed -n 2p "$T/out" | grep -Eq '^2000-01-03,SYN0000,[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+$'
check "no decimals" $?

# 5. A deterministic path: vol 1e-9, no jumps, mu 0.365 on daily crypto bars
#    (dt = 1/365) gives close_k = 100 exp(0.001 k); k = 10: 101.00502 -> 101.01.
run 0 data synth --calendar crypto --rows 10 --vol 1e-9 --vol-of-vol 0 \
    --jumps 0 --mu 0.365; check "deterministic run" $?
[ "$(tail -1 "$T/out" | cut -d, -f1,6)" = "2000-01-12,101.01" ]; check "close 101.01" $?
[ "$(sed -n 2p "$T/out" | cut -d, -f3,6)" = "100.00,100.10" ]; check "first bar" $?

# 6. --help.
run 0 data synth --help; check "help exits 0" $?
grep -q "^example:" "$T/out" && grep -q -- "--vol-of-vol" "$T/out"; check "help text" $?

# 7. Bad options: exit 2, one line naming the option, no output file.
echo "keep me" >"$T/keep.csv"
bad() { # option-named, args...
    local opt=$1; shift
    run 2 data synth "$@" -o "$T/keep.csv" || return 1
    [ "$(wc -l <"$T/err")" -eq 1 ] || { echo "  not one line:"; cat "$T/err"; return 1; }
    grep -q -- "$opt" "$T/err" || { echo "  '$opt' not named:"; cat "$T/err"; return 1; }
    [ "$(cat "$T/keep.csv")" = "keep me" ] || { echo "  output clobbered"; return 1; }
}
bad --rows --rows x; check "--rows x" $?
bad --rows --rows 0; check "--rows 0" $?
bad --rows --rows -5; check "--rows -5" $?
bad --symbols --symbols 0; check "--symbols 0" $?
bad --symbols --symbols 10001; check "--symbols 10001" $?
bad --seed --seed 4294967296; check "--seed too big" $?
bad --vol --vol -1; check "--vol -1" $?
bad --vol --vol abc; check "--vol abc" $?
bad --vol-of-vol --vol-of-vol nan; check "--vol-of-vol nan" $?
bad --corr --corr 1; check "--corr 1" $?
bad --corr --symbols 3 --corr -0.6; check "--corr not PD" $?
bad --jumps --jumps -2; check "--jumps -2" $?
bad --tick --tick 0; check "--tick 0" $?
bad --s0 --s0 0; check "--s0 0" $?
bad --calendar --calendar nyse; check "--calendar nyse" $?
bad --interval --interval 1M; check "--interval 1M" $?
bad --interval --interval fast; check "--interval fast" $?
bad --start --start yesterday; check "--start yesterday" $?
bad --start --start 2024-01-02T10:00:00Z; check "--start with time, daily" $?
bad --rows --start 2250-01-01 --rows 100000; check "past 2262" $?
bad --bogus --bogus; check "unknown option" $?
bad --rows --rows; check "missing value" $?
bad extra extra; check "positional argument" $?
ls "$T" | grep -q tmp; [ $? -ne 0 ]; check "no temporary file after errors" $?
run 2 data synth -o "$T/no/such/dir/x.csv"; check "unwritable output" $?
[ "$(wc -l <"$T/err")" -eq 1 ]; check "unwritable output: one line" $?

echo "data_synth.sh: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
