#!/usr/bin/env bash
# models.sh -- `kairos models list|show|promote|rollback|add` end to end.
# Without a model: an empty registry lists nothing, unknown versions and
# a rollback with no previous version fail (exit 2, one line naming what is
# wrong), a corrupt model file is refused and nothing is added, and every
# bad option is refused. With a real XGBoost model (made by Debian's
# python3-xgboost when present; else that part is skipped with a note):
# add, list, show, promote and rollback with the LIVE and PREVIOUS files
# checked after each, and a model damaged after its add refused on promote
# with the live version unchanged.
set -u
KAIROS=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
pass=0
: "$SRC"
R="$T/reg"

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

one_line_err() { # the error is one line starting "kairos: " and holding $1
    [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^kairos: .*$1" "$T/err"
}

"$KAIROS" models --help >/dev/null 2>&1 || {
    echo "FAIL: 'kairos models' is not a command (commands.h lines missing?)"
    exit 1
}

# 1. An empty registry (created by the first command).
run 0 models list --registry "$R"; check "list empty" $?
grep -q "^no model versions in " "$T/out"; check "list says empty" $?
[ -d "$R/versions" ]; check "registry created" $?
run 0 models list --registry "$R" --json; check "list --json empty" $?
[ "$(tr -d ' \n' <"$T/out")" = "[]" ]; check "empty JSON array" $?
run 2 models show v0001 --registry "$R"; check "show unknown" $?
one_line_err "no version v0001"; check "show names the version" $?
run 2 models promote v0001 --registry "$R"; check "promote unknown" $?
one_line_err "no version v0001"; check "promote names the version" $?
[ ! -e "$R/LIVE" ]; check "no LIVE after a failed promote" $?
run 2 models rollback --registry "$R"; check "rollback with nothing" $?
one_line_err "no previous live version"; check "rollback says why" $?
run 2 models show latest --registry "$R"; check "show malformed" $?
one_line_err "expected a version such as v0001"; check "malformed named" $?

# 2. Corrupt and missing model files are refused; nothing is added.
printf '{"learner": {"gradient_booster": 3}}\n' >"$T/corrupt.json"
run 2 models add "$T/corrupt.json" --kind xgboost --registry "$R"
check "corrupt refused on add" $?
one_line_err "corrupt.json"; check "refusal names the file" $?
printf 'not json at all' >"$T/garbage.json"
run 2 models add "$T/garbage.json" --kind xgboost --registry "$R"
check "garbage refused on add" $?
run 2 models add "$T/nope.json" --kind xgboost --registry "$R"
check "missing file refused" $?
one_line_err "nope.json"; check "missing file named" $?
[ -z "$(ls -A "$R/versions")" ]; check "nothing added, no temporary left" $?

# 3. Usage errors: exit 2, one line.
run 2 models list; check "no --registry" $?
one_line_err "--registry DIR is required"; check "--registry named" $?
run 2 models list --registry "$R" --bogus; check "unknown option" $?
one_line_err "unknown option '--bogus'"; check "unknown option named" $?
run 2 models promote --registry "$R"; check "promote without VERSION" $?
one_line_err "missing the VERSION"; check "missing VERSION said" $?
run 2 models promote v0001 v0002 --registry "$R"; check "two versions" $?
run 2 models rollback --registry "$R" --json; check "--json on rollback" $?
one_line_err "does not apply"; check "inapplicable option named" $?
run 2 models add "$T/corrupt.json" --registry "$R"; check "add without --kind" $?
run 2 models add "$T/corrupt.json" --kind lightgbm --registry "$R"
check "unknown kind" $?
one_line_err "expected xgboost, got 'lightgbm'"; check "kind named" $?
run 2 models add "$T/corrupt.json" --kind xgboost --keep 1 --registry "$R"
check "keep below 2" $?
run 2 models add "$T/corrupt.json" --kind xgboost --metric sharpe --registry "$R"
check "metric without value" $?
run 0 models --help; check "group help" $?
cp "$T/out" "$T/group_help"
for c in list show promote rollback add; do
    grep -q "models $c" "$T/group_help"; check "group help lists $c" $?
    run 0 models $c --help; check "$c --help" $?
    grep -q "^usage: kairos models $c" "$T/out"; check "$c usage line" $?
done

# 4. With real models: make two small XGBoost models.
if ! /usr/bin/python3 -c "import xgboost" 2>/dev/null; then
    echo "note: /usr/bin/python3 has no xgboost; the add/promote part is skipped" >&2
else
    /usr/bin/python3 - "$T" <<'EOF'
import sys
import numpy as np
import xgboost as xgb
rng = np.random.default_rng(7)
X = rng.normal(size=(300, 3))
y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
for name, rounds in (("a", 4), ("b", 8)):
    b = xgb.train({"objective": "binary:logistic", "max_depth": 2,
                   "nthread": 1, "seed": 0}, xgb.DMatrix(X, label=y), rounds)
    b.save_model(f"{sys.argv[1]}/{name}.json")
EOF
    check "python made the models" $?
    H=$(sha256sum "$T/a.json" | cut -c1-64)
    run 0 models add "$T/a.json" --kind xgboost --registry "$R" \
        --features "rsi:14,ret:1" --data-hash "$H" --metric sharpe=1.25 \
        --metric psr=0.5 --gate-passed
    check "add a" $?
    [ "$(cat "$T/out")" = "v0001" ]; check "a is v0001" $?
    run 0 models add "$T/b.json" --kind xgboost --registry "$R" --parent v0001
    check "add b" $?
    [ "$(cat "$T/out")" = "v0002" ]; check "b is v0002" $?
    cmp -s "$T/a.json" "$R/versions/v0001/model.json"; check "a stored as is" $?
    run 2 models add "$T/corrupt.json" --kind xgboost --registry "$R"
    check "corrupt refused beside real ones" $?
    [ "$(ls "$R/versions" | tr '\n' ' ')" = "v0001 v0002 " ]; check "two versions" $?

    run 0 models show v0001 --registry "$R" --json; check "show --json" $?
    /usr/bin/python3 - "$T/out" "$H" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["version"] == "v0001" and m["kind"] == "xgboost", m
assert m["data_hash"] == sys.argv[2] and m["features"] == "rsi:14,ret:1", m
assert m["metrics"] == {"sharpe": 1.25, "psr": 0.5}, m
assert m["gate_passed"] is True and m["parent"] == "" and m["state"] == "", m
EOF
    check "show --json fields" $?

    run 0 models promote v0001 --registry "$R"; check "promote v0001" $?
    [ "$(cat "$R/LIVE")" = "v0001" ] && [ ! -e "$R/PREVIOUS" ]
    check "LIVE v0001, no PREVIOUS" $?
    run 0 models promote v0002 --registry "$R"; check "promote v0002" $?
    [ "$(cat "$R/LIVE")" = "v0002" ] && [ "$(cat "$R/PREVIOUS")" = "v0001" ]
    check "LIVE v0002, PREVIOUS v0001" $?
    grep -q "^live v0002, previous v0001$" "$T/out"; check "promote prints" $?
    run 0 models list --registry "$R"; check "list" $?
    grep -q "^v0001 *previous *xgboost .* - *yes *sharpe=1.25 psr=0.5$" "$T/out"
    check "list row v0001" $?
    grep -q "^v0002 *live *xgboost .* v0001 *no$" "$T/out"; check "list row v0002" $?
    run 0 models rollback --registry "$R"; check "rollback" $?
    [ "$(cat "$R/LIVE")" = "v0001" ] && [ "$(cat "$R/PREVIOUS")" = "v0002" ]
    check "rolled back: LIVE v0001, PREVIOUS v0002" $?

    # A model damaged after its add: promote refuses it, LIVE stays.
    printf '{"learner": ' >"$R/versions/v0002/model.json"
    run 2 models promote v0002 --registry "$R"; check "damaged refused" $?
    one_line_err "versions/v0002/model.json"; check "damaged file named" $?
    [ "$(cat "$R/LIVE")" = "v0001" ] && [ "$(cat "$R/PREVIOUS")" = "v0002" ]
    check "LIVE unchanged after the refusal" $?
    run 2 models rollback --registry "$R"; check "rollback to damaged refused" $?
    [ "$(cat "$R/LIVE")" = "v0001" ]; check "LIVE still v0001" $?

    # keep-last-N: with --keep 2, three more adds remove v0003 (not v0001,
    # live, nor v0002, previous).
    for i in 1 2 3; do
        run 0 models add "$T/a.json" --kind xgboost --keep 2 --registry "$R"
        check "add $i with keep 2" $?
    done
    [ "$(ls "$R/versions" | tr '\n' ' ')" = "v0001 v0002 v0004 v0005 " ]
    check "pruned to live, previous and the last two" $?
fi

echo "models.sh: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
