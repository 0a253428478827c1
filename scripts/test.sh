#!/usr/bin/env bash
# Runs every test of Husk: setup (packages only), the debug build with tests, `swift test`
# (all targets, the integration tests on the default platform, unotify), the integration tests
# again on --platform ptrace, then the Syscalls compatibility suite if present (on the default
# platform, then on --platform ptrace). Ends with one line
# "total: N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh --no-build || exit 1

log=$(mktemp /tmp/husk-test.XXXXXX)
trap 'rm -f "$log"' EXIT

echo "== swift build --build-tests"
if ! swift build --build-tests; then
    echo "total: 0 passed, 1 failed"
    exit 1
fi

# swift_tests LABEL [ARGS...]: one swift test run (HUSK_TEST_PLATFORM as the caller set it); its
# counts from Swift Testing's closing line ("✔ Test run with N tests in M suites passed ...")
# and its ✘ lines are added to the totals.
passed=0; failed=0; swift_rc=0
swift_tests() {
    local label=$1 rc total failed_tests; shift
    echo "== swift test $label"
    swift test --skip-build "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    total=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | tail -1 | grep -Eo '[0-9]+' || true)
    failed_tests=$(grep -E '✘ Test .* failed' "$log" | grep -vc 'Test run with' || true)
    passed=$((passed + ${total:-0} - failed_tests)); failed=$((failed + failed_tests))
    if [ "$rc" != 0 ] && [ "$failed_tests" = 0 ]; then failed=$((failed + 1)); fi
    if [ "$rc" != 0 ]; then swift_rc=$rc; fi
}
swift_tests "(every target, default platform)"
# The integration tests again on ptrace, the platform unotify falls back to and that serves
# every lifecycle event on both (HUSK_TEST_PLATFORM adds --platform to their husk run lines).
HUSK_TEST_PLATFORM=ptrace swift_tests "--filter IntegrationTests (--platform ptrace)" --filter IntegrationTests

suite_rc=0
# syscalls_suite [PLATFORM]: the Syscalls compatibility suite, on husk's default platform or on
# PLATFORM (HUSK_TEST_PLATFORM); its counts are added to the totals.
syscalls_suite() {
    local rc line sp sf
    echo "== Syscalls/run${1:+ (--platform $1)}"
    HUSK_TEST_PLATFORM=${1:-} Syscalls/run 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
    sp=$(echo "$line" | grep -Eo '^[0-9]+' || echo 0)
    sf=$(echo "$line" | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+' || echo 0)
    passed=$((passed + sp)); failed=$((failed + sf))
    if [ "$rc" != 0 ] && [ "$sf" = 0 ]; then failed=$((failed + 1)); fi
    if [ "$rc" != 0 ]; then suite_rc=$rc; fi
}
if [ -x Syscalls/run ]; then
    syscalls_suite
    # The same cases on the ptrace platform (docs/platforms.md), which serves every call from
    # a ptrace stop.
    syscalls_suite ptrace
fi

# A short libFuzzer run of the Gofer protocol decoder: a crash or a leak fails the run.
if [ -x Fuzz/run.sh ]; then
    echo "== Fuzz/run.sh 20"
    if Fuzz/run.sh 20 > "$log" 2>&1; then
        passed=$((passed + 1))
        tail -2 "$log"
    else
        failed=$((failed + 1)); fuzz_rc=1
        tail -30 "$log"
    fi
fi

echo "total: $passed passed, $failed failed"
[ "$swift_rc" = 0 ] && [ "$suite_rc" = 0 ] && [ "${fuzz_rc:-0}" = 0 ]
