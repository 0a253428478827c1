#!/usr/bin/env bash
# Installs what Husk needs on Debian 12 (idempotent) and builds husk.
#
#   scripts/setup.sh [--peers] [--no-build]
#
#   --peers     also install the sandboxes the benchmarks compare against (runsc, bubblewrap, proot)
#   --no-build  install packages only (scripts/test.sh builds in debug itself)
#
# The build is `swift build -c release --static-swift-stdlib`; the binary is .build/release/husk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

peers=0 build=1
for arg in "$@"; do
    case "$arg" in
        --peers) peers=1 ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

# libseccomp-dev: filters; busybox-static, musl-tools, gcc, make: test programs and the
# Syscalls suite; strace: comparing traces when debugging; netcat-openbsd, socat, nodejs, perl:
# the socket tests (Tests/IntegrationTests/SocketsTests.swift); tmux, vim, less, procps: the
# terminal tests; valgrind and gdb: the debugger tests (Tests/IntegrationTests/DebuggersTests.swift).
packages=(libseccomp-dev busybox-static gcc make musl-tools strace golang-go python3 git netcat-openbsd socat nodejs perl tmux vim less procps valgrind gdb)
if [ "$peers" = 1 ]; then packages+=(runsc bubblewrap proot); fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    echo "setup.sh: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
    echo "setup.sh: swift (6.x) is not on PATH; install the Swift toolchain first" >&2
    exit 1
fi

if [ "$build" = 1 ]; then
    swift build -c release --static-swift-stdlib --product husk
    echo "setup.sh: husk is $(pwd)/.build/release/husk"
fi
