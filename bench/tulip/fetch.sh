#!/bin/sh
# fetch.sh -- fetch Tulip Indicators' C amalgamation, the peer of bench_ta.
#
#   sh bench/tulip/fetch.sh DEST
#
# Tulip Indicators (LGPL-3.0) ships as one C file, tiamalgamation.c, inside
# the npm package `tulind` (external/tiamalgamation.c and indicators.h). This
# script runs `npm pack tulind@VERSION` in a scratch folder, checks the
# tarball against a pinned SHA-256 and copies the amalgamation, its header
# and the licence into DEST (a build directory: the source is never part of
# the kairos tree). A DEST that already holds this version is left alone, so
# only the first configure asks the registry. Exits non-zero with a message
# on stderr when npm, the network or the checksum fails; bench/tulip/
# tulip.cmake then builds bench_ta without its peer.
set -eu

VERSION=0.8.20 # tulind 0.8.20 = Tulip Indicators 0.8.4
SHA256=91913ce9772326d906b0ef2ef4b222e1e9479d7d0ef827428ef9f0000953bc8e

if [ $# -ne 1 ]; then
    echo "usage: sh bench/tulip/fetch.sh DEST" >&2
    exit 2
fi
DEST=$1

if [ -f "$DEST/tiamalgamation.c" ] && [ -f "$DEST/indicators.h" ] &&
   [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch.sh: npm not found (scripts/install-deps installs it)" >&2
    exit 1
fi

mkdir -p "$(dirname "$DEST")"
tmp=$(mktemp -d "$DEST.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# --prefer-offline takes the tarball from npm's cache when it is there; no
# retries and the timeout keep a configure without network from hanging.
if ! (cd "$tmp" && timeout 120 npm pack --loglevel=error --prefer-offline \
          --fetch-retries=0 --fetch-timeout=60000 "tulind@$VERSION" \
          >/dev/null 2>"$tmp/npm.log"); then
    reason=$(grep -m1 '^npm error' "$tmp/npm.log" || true)
    echo "fetch.sh: npm pack tulind@$VERSION failed: ${reason:-timed out}" >&2
    exit 1
fi
tgz="$tmp/tulind-$VERSION.tgz"
sum=$(sha256sum "$tgz" | cut -d' ' -f1)
if [ "$sum" != "$SHA256" ]; then
    echo "fetch.sh: tulind-$VERSION.tgz has SHA-256 $sum, expected $SHA256" >&2
    exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/external/tiamalgamation.c \
    package/external/indicators.h package/LICENSE

mkdir -p "$DEST"
cp "$tmp/package/external/tiamalgamation.c" \
   "$tmp/package/external/indicators.h" "$DEST/"
cp "$tmp/package/LICENSE" "$DEST/LICENSE"
echo "$VERSION" >"$DEST/VERSION"
