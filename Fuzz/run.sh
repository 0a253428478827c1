#!/bin/sh
# Fuzz the Gofer protocol decoder for SECONDS (default 30).
# Usage: Fuzz/run.sh [SECONDS]      (from anywhere; builds into .build-fuzz/ at the repo root)
set -eu
secs="${1:-30}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
out="$repo/.build-fuzz"
mkdir -p "$out/corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -O \
    "$repo/Sources/GoferProtocol/Wire.swift" \
    "$repo/Sources/GoferProtocol/Messages.swift" \
    "$repo/Sources/GoferProtocol/Codec.swift" \
    "$here/FuzzDecoder.swift" \
    -o "$out/gofer-decoder-fuzz" 2>&1 | grep -v 'ld.gold' || true
test -x "$out/gofer-decoder-fuzz"
# Seed corpus: the message headers of every request and reply type.
if [ -z "$(ls -A "$out/corpus")" ]; then
    for t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
        printf "\\$(printf %o "$t")\\000\\000\\000\\001\\000\\000\\000\\010\\000\\000\\000\\001\\000\\000\\000\\000\\000\\000\\000" > "$out/corpus/req$t"
    done
fi
# -max_total_time bounds the run; the outer timeout bounds a hung build or a stuck input.
timeout $((secs + 60)) "$out/gofer-decoder-fuzz" -max_total_time="$secs" -max_len=70000 \
    -timeout=10 -artifact_prefix="$out/" "$out/corpus"
