#!/usr/bin/env bash
# Start-up of two husk builds side by side: `A run -- /bin/true` and `B run -- /bin/true`,
# interleaved for N rounds (so that the machine's load falls on both alike), median wall time of
# each (measured around the command by the shell, process start and exit included).
#
#   Benchmarks/startup-ab.sh HUSK_A HUSK_B [ROUNDS]
set -uo pipefail
a=${1:?usage: startup-ab.sh HUSK_A HUSK_B [ROUNDS]}
b=${2:?usage: startup-ab.sh HUSK_A HUSK_B [ROUNDS]}
rounds=${3:-40}
ta=(); tb=()
for _ in $(seq 1 "$rounds"); do
    for which in a b; do
        bin=$a; [ "$which" = b ] && bin=$b
        s=$(date +%s%N)
        "$bin" run -- /bin/true || { echo "$bin run failed" >&2; exit 1; }
        e=$(date +%s%N)
        if [ "$which" = a ]; then ta+=($(( (e - s) / 10000 ))); else tb+=($(( (e - s) / 10000 ))); fi
    done
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.2f ms", m / 100}'; }
echo "A $a: median $(median "${ta[@]}")"
echo "B $b: median $(median "${tb[@]}")"
