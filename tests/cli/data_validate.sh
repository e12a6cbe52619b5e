#!/usr/bin/env bash
# data_validate.sh -- `kairos data validate` and `kairos data info` end to end:
# the bundled sample passes, a damaged copy names each damage by line and
# exits 1, and every kind of bad file gets one line naming it and exit 2.
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
    "$KAIROS" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" -eq "$want" ] || { echo "  exit $got, expected $want: kairos $*"; cat "$T/err"; return 1; }
}

# 1. The bundled S&P 500 file: no high or critical finding, exit 0.
run 0 data validate "$SRC/data/sp500.csv"; check "sp500 validates" $?
grep -q "summary: 0 critical, 0 high" "$T/out"; check "sp500 summary" $?

# 2. A damaged copy: duplicated row, OHLC violation, 50% jump, garbage line.
awk -F, 'BEGIN{OFS=","}
  NR==100 { $3 = $4 - 5 }                       # high below low
  NR==200 { $5 = sprintf("%.6f", $5 * 1.5); $3 = $5; $6 = $5 }  # +50% close
  { print }
  NR==300 { print "this is not, a row" }        # garbage becomes line 301
  NR==399 { print }                              # line 399 repeated as line 401
' "$SRC/data/sp500.csv" >"$T/bad.csv"
run 1 data validate "$T/bad.csv"; check "damaged copy exits 1" $?
grep -Eq "high +line 100 +ohlc_inconsistent" "$T/out"; check "ohlc line 100" $?
grep -Eq "high +line 200 +price_jump .*\+5[0-9]\.[0-9]%" "$T/out"; check "jump line 200" $?
grep -Eq "high +line 301 +unparsable_row" "$T/out"; check "garbage line 301" $?
grep -Eq "high +line 401 +duplicate_timestamp .*line 400" "$T/out"; check "duplicate line 401" $?

# The same through --json: valid JSON with the same lines and exit code.
run 1 data validate --json "$T/bad.csv"; check "json exits 1" $?
python3 - "$T/out" <<'PY'; check "json content" $?
import json, sys
d = json.load(open(sys.argv[1]))
f = d["files"][0]
lines = {(x["check"], x["line"]) for x in f["findings"] if x["severity"] == "high"}
want = {("ohlc_inconsistent", 100), ("price_jump", 200),
        ("unparsable_row", 301), ("duplicate_timestamp", 401)}
assert want <= lines, lines
assert d["exit_code"] == 1 and f["ok"] is False
assert f["summary"]["high"] >= 4
PY

# 3. Bad files: one line on stderr naming the file, exit 2, no crash.
: >"$T/empty.csv"
printf 'date,open,high,low,close,volume\n' >"$T/header.csv"
head -c 100000 /dev/urandom >"$T/garbage.bin"
printf '\x00\x01binary' >>"$T/garbage.bin"
{ printf 'date,open,high,low,close\n'; head -c 10485760 /dev/zero | tr '\0' 'x'; printf '\n'; } >"$T/longline.csv"
head -c 10485760 /dev/zero | tr '\0' 'y' >"$T/longheader.csv"
printf 'd\xe9but,pr\xefx\n\xff\xfe,1\n' >"$T/latin1.csv"
for f in empty header garbage longline longheader latin1 missing; do
    path="$T/$f.csv"; [ "$f" = garbage ] && path="$T/garbage.bin"
    timeout 20 "$KAIROS" data validate "$path" >"$T/out" 2>"$T/err"
    code=$?
    [ "$code" -eq 2 ]; check "$f: exit 2 (got $code)" $?
    [ "$(wc -l <"$T/err")" -eq 1 ]; check "$f: one line of error" $?
    grep -q "$path" "$T/err"; check "$f: error names the file" $?
    [ "$(wc -c <"$T/err")" -lt 400 ]; check "$f: short error" $?
done
grep -q "No such file" "$T/err"; check "missing file says so" $?

# 4. Options: bad values are usage errors; --help works.
run 2 data validate --jump abc "$SRC/data/sp500.csv"; check "bad --jump" $?
grep -q -- "--jump" "$T/err"; check "bad --jump named" $?
run 2 data validate --calendar moon "$SRC/data/sp500.csv"; check "bad calendar" $?
run 2 data validate --bogus "$SRC/data/sp500.csv"; check "unknown option" $?
run 2 data validate; check "no file" $?
run 0 data validate --help; check "help" $?
run 0 data validate --list-checks; check "list checks" $?
grep -q "duplicate_timestamp" "$T/out"; check "check table listed" $?
# On a crypto calendar every weekend of daily equity data is a gap, and the
# 9/11 closure (six days without a bar) a high one.
run 1 data validate --calendar crypto "$SRC/data/sp500.csv"; check "crypto calendar: 9/11 closure is a high gap" $?
grep -q "calendar_gap" "$T/out"; check "crypto gaps" $?

# 5. data info on every fixture: the layout is named.
for f in yahoo.csv:yahoo BTCUSDT-1h-2024-01.csv:binance EURUSD_M5.csv:mt5 stooq.txt:stooq quotes.csv:quotes; do
    run 0 data info "$SRC/tests/data/${f%%:*}"; check "info ${f%%:*}" $?
    grep -q "layout      ${f##*:}" "$T/out"; check "layout ${f##*:}" $?
done
run 0 data info --json "$SRC/data/sp500.csv"; check "info json" $?
python3 -c "import json,sys; d=json.load(open('$T/out')); s=d['files'][0]['series'][0]; assert (s['rows'], s['first'], s['last'], s['interval']) == (5105, '2000-01-03', '2020-04-17', '1d'), s"
check "info json values" $?

# 6. The top-level command.
run 0 --version; check "version" $?
grep -q "^kairos 0\." "$T/out"; check "version text" $?
run 0 --help; check "help" $?
run 2 nosuch; check "unknown command" $?
run 2 data nosuch; check "unknown subcommand" $?
run 2 --log-level loud data info "$SRC/data/sp500.csv"; check "bad log level" $?

# 7. Logging: --log-format json before or after the command gives one JSON
# object per line on stderr; --log-level error silences warnings.
printf 'date,open,high,low,close\n2020-01-02,1,2,0.5,1\n2020-01-02,1,2,0.5,1\n' >"$T/dup.csv"
for placement in before after; do
    if [ $placement = before ]; then
        "$KAIROS" --log-format json data resample "$T/dup.csv" --to 1w >/dev/null 2>"$T/err"
    else
        "$KAIROS" data resample "$T/dup.csv" --to 1w --log-format=json >/dev/null 2>"$T/err"
    fi
    python3 -c "
import json, sys
lines = open('$T/err').read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert r['level'] == 'warn' and r['component'] == 'resample', r
assert 'dropped 1 row' in r['msg'], r
"
    check "json log $placement the command" $?
done
"$KAIROS" data resample "$T/dup.csv" --to 1w --log-level error >/dev/null 2>"$T/err"
[ ! -s "$T/err" ]; check "--log-level error silences the warning" $?

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
