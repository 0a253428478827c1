#!/bin/sh
# The kernel's floor per served call for each interception mechanism (floor.c): the median of
# REPS runs of each mode, on any CPU and with the two processes pinned to one CPU.
#   Benchmarks/platform-floor/run.sh [REPS] [ITERATIONS]
set -eu
reps=${1:-5}
iters=${2:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cc -O2 -Wall -o "$dir/floor" "$(dirname "$0")/floor.c"
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf '| mode | any CPU (ns) | one CPU (ns) |\n|---|---|---|\n'
for mode in unotify unotify-spin ptrace sigsys sigsys-traced; do
    any=$(for i in $(seq "$reps"); do "$dir/floor" "$mode" "$iters" | cut -d' ' -f2; done | median)
    one=$(for i in $(seq "$reps"); do taskset -c 0 "$dir/floor" "$mode" "$iters" | cut -d' ' -f2; done | median)
    printf '| %s | %s | %s |\n' "$mode" "$any" "$one"
done
