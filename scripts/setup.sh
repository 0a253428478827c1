#!/usr/bin/env bash
# Installs what Husk needs on Debian 12 (idempotent) and builds husk.
#
#   scripts/setup.sh [--peers] [--no-build] [--install [DIR]]
#
#   --peers     also install the sandboxes the benchmarks compare against (runsc, bubblewrap, proot)
#   --no-build  install packages only (scripts/test.sh builds in debug itself)
#   --install   after the build, copy husk and husk-parts (the Sentry, Gofer and monitor, which
#               husk run starts from beside its own binary) into DIR (default /usr/local/bin),
#               so that `husk` is on PATH, with bash and zsh completion and the husk(1) man page
#               (generated from the argument parser) under DIR/../share
#
# The build is `swift build -c release --static-swift-stdlib`; the binaries are .build/release/husk
# and .build/release/husk-parts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

peers=0 build=1 install=""
while [ $# -gt 0 ]; do
    arg=$1; shift
    case "$arg" in
        --peers) peers=1 ;;
        --no-build) build=0 ;;
        --install)
            install=/usr/local/bin
            if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then install=$1; shift; fi ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

# libseccomp-dev: filters; busybox-static, musl-tools, gcc, make: test programs and the
# Syscalls suite; strace: comparing traces when debugging; netcat-openbsd, socat, nodejs, perl:
# the socket tests (Tests/IntegrationTests/SocketsTests.swift); tmux, vim, less, procps: the
# terminal tests; valgrind and gdb: the debugger tests (Tests/IntegrationTests/DebuggersTests.swift);
# podman, conmon, crun, containerd and the CNI plugins podman expects: the OCI runtime's engine tests
# (Tests/IntegrationTests/PodmanTests.swift); passt: pasta for `husk run --network pasta`; ruby and
# default-jdk-headless: the socket tests of issue 13 (ruby's Socket.pair, javac).
# man-db: a real program that confines itself with its own seccomp filter (ProgramTests).
packages=(libseccomp-dev busybox-static gcc make musl-tools man-db strace golang-go python3 git netcat-openbsd socat nodejs perl tmux vim less procps valgrind gdb podman conmon crun containerd containernetworking-plugins passt ruby default-jdk-headless)
if [ "$peers" = 1 ]; then packages+=(runsc bubblewrap proot); fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --network pasta: pasta (as nobody) opens /dev/net/tun, which Debian's udev makes 0666; a
# system without udev (this VM) leaves it 0600.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then $sudo chmod 0666 /dev/net/tun; fi

if ! command -v swift >/dev/null; then
    echo "setup.sh: swift (6.x) is not on PATH; install the Swift toolchain first" >&2
    exit 1
fi

if [ "$build" = 1 ]; then
    swift build -c release --static-swift-stdlib --product husk
    swift build -c release --static-swift-stdlib --product husk-parts
    echo "setup.sh: husk is $(pwd)/.build/release/husk"
fi

if [ -n "$install" ]; then
    for b in husk husk-parts; do
        if [ ! -x ".build/release/$b" ]; then echo "setup.sh: .build/release/$b is missing: build first" >&2; exit 1; fi
    done
    $sudo install -d "$install"
    # husk-parts first: a husk without it beside would fail to start a sandbox.
    $sudo install -m 0755 .build/release/husk-parts "$install/husk-parts"
    $sudo install -m 0755 .build/release/husk "$install/husk"
    # Shell completion and the man page, both generated from husk's argument parser.
    share="$(dirname "$install")/share"
    $sudo install -d "$share/bash-completion/completions" "$share/zsh/site-functions" "$share/man/man1"
    .build/release/husk --generate-completion-script bash | $sudo tee "$share/bash-completion/completions/husk" >/dev/null
    .build/release/husk --generate-completion-script zsh | $sudo tee "$share/zsh/site-functions/_husk" >/dev/null
    swift build --product generate-manual >/dev/null
    man_dir=$(mktemp -d)
    .build/debug/generate-manual .build/release/husk -o "$man_dir" >/dev/null
    $sudo install -m 0644 "$man_dir/husk.1" "$share/man/man1/husk.1"
    rm -rf "$man_dir"
    echo "setup.sh: installed husk and husk-parts in $install, completions and husk(1) in $share"
fi
