#!/usr/bin/env bash
# run.sh -- run every benchmark of a build, JSON lines on stdout.
#
#   bash bench/run.sh BUILD_DIR        (make bench: bash bench/run.sh build-bench)
#
# Runs each binary named in BUILD_DIR/bench/benchmarks.txt (written by
# bench/CMakeLists.txt, the one list of benchmarks) in that order. stdout
# carries only the benchmarks' JSON lines; progress and notes go to stderr.
# A benchmark that fails is reported on stderr, the others still run, and the
# exit status is 1.
set -u
if [ $# -ne 1 ]; then
    echo "usage: bash bench/run.sh BUILD_DIR" >&2
    exit 2
fi
BUILD=$1
LIST="$BUILD/bench/benchmarks.txt"
if [ ! -d "$BUILD" ]; then
    echo "run.sh: build directory '$BUILD' does not exist; run 'make bench'" >&2
    exit 1
fi
if [ ! -f "$LIST" ]; then
    echo "run.sh: '$LIST' is missing: '$BUILD' was configured without" \
         "benchmarks (KR_BENCH=OFF) or not configured; run 'make bench'" >&2
    exit 1
fi

status=0
while read -r name; do
    [ -n "$name" ] || continue
    bin="$BUILD/bench/$name"
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin is not built; run 'make bench'" >&2
        status=1
        continue
    fi
    echo "run.sh: $name" >&2
    # Only lines that look like JSON objects reach stdout.
    "$bin" | grep '^{'
    rc=${PIPESTATUS[0]}
    if [ "$rc" -ne 0 ]; then
        echo "run.sh: $name failed with status $rc" >&2
        status=1
    fi
done <"$LIST"
exit $status
