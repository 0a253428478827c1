#!/usr/bin/env bash
# `podman run --rm --network none IMAGE /bin/true` with husk, runsc, runc and crun:
# ROUNDS interleaved rounds, the median wall time of the whole podman command per runtime.
#
#   Benchmarks/podman-true.sh IMAGE [HUSK] [ROUNDS]
#
# podman runs with a private state under /tmp/husk-podman-bench (import IMAGE there first:
# `podman --root /tmp/husk-podman-bench/storage --storage-driver vfs import rootfs.tar IMAGE`).
set -uo pipefail
# crun refuses a hybrid cgroup layout ("cgroups in hybrid mode not supported"): on a host whose
# v2 hierarchy is mounted beside the v1 controllers, every runtime runs in a private mount
# namespace without that mount (the host's own mounts are untouched), so the four compare alike.
if [ -z "${HUSK_BENCH_PRIVATE_NS:-}" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
    exec env HUSK_BENCH_PRIVATE_NS=1 unshare --mount --propagation private \
        bash -c 'umount /sys/fs/cgroup/unified && exec "$0" "$@"' "$0" "$@"
fi
image=${1:?usage: podman-true.sh IMAGE [HUSK] [ROUNDS]}
husk=$(realpath "${2:-$(dirname "$0")/../.build/release/husk}")
rounds=${3:-10}
base=/tmp/husk-podman-bench
# Containers and conmon below this script's own cgroup (podman's default is /libpod_parent,
# outside it); the directories are removed at the end.
own=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
parent="${own%/}/husk-podman-bench-$$"
cleanup() {
    for c in /sys/fs/cgroup/*; do
        [ -d "$c$parent" ] && find "$c$parent" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
}
trap cleanup EXIT
P=(podman --root "$base/storage" --runroot "$base/run" --cgroup-manager cgroupfs --events-backend file --storage-driver vfs)
U=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cgroup-parent "$parent")
declare -A runtime=(
    [husk]="--runtime $husk"
    [runsc]="--runtime /usr/bin/runsc --runtime-flag=network=none --runtime-flag=platform=ptrace"
    [runc]="--runtime /usr/sbin/runc"
    [crun]="--runtime /usr/bin/crun")
declare -A times
for _ in $(seq 1 "$rounds"); do
    for rt in husk runsc runc crun; do
        s=$(date +%s%N)
        # shellcheck disable=SC2086
        if "${P[@]}" ${runtime[$rt]} run --rm --network none "${U[@]}" "$image" /bin/true >/dev/null 2>"$base.err"; then
            times[$rt]+=" $(( ($(date +%s%N) - s) / 1000000 ))"
        else
            times[$rt]+=" fail"
            echo "$rt: $(tail -1 "$base.err")" >&2
        fi
    done
done
for rt in husk runsc runc crun; do
    med=$(tr ' ' '\n' <<<"${times[$rt]}" | grep -E '^[0-9]+$' | sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "fail"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}')
    if [ "$med" = fail ]; then echo "$rt: failed every round"; else echo "$rt: median $med ms (rounds:${times[$rt]})"; fi
done
