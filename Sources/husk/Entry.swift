import CHusk
import Glibc
import Sandbox

/// The user-facing CLI. The parts husk run starts (the Sentry, the Gofer, the monitor) are a
/// separate small binary, husk-parts, beside this one (Sources/husk-parts): they never load
/// swift-argument-parser or FoundationEssentials (docs/startup.md).
func huskEntry() -> Never {
    let start = chusk_monotonic_ns()
    HuskStart.nanos = start
    let args = CommandLine.arguments
    // The OCI runtime's commands (create, start, state, kill, delete, features, runc's run):
    // runc's command line, parsed by hand (global flags come before the verb).
    if OCIRuntime.claims(Array(args.dropFirst())) { exit(OCIRuntime.main(Array(args.dropFirst()))) }
    if args.count >= 2, args[1] == "run" {
        if DebugTiming.requested(args) { chusk_timing_start(start, "run") }
        // `husk run [--] PROGRAM ARGS` with a pool: no option to parse, so the pool is asked
        // before swift-argument-parser's first use (~1 ms); without one, the full parse.
        if let status = SandboxRun.runPlainFromPool(Array(args.dropFirst(2)), startNanos: start) { exit(status) }
        // The parts' zygote execs while the command line is parsed (Sandbox/Parts/Zygote.swift),
        // unless a pool may start nothing at all (docs/pool.md).
        if !PoolClient.socketExists { SandboxRun.startZygoteEarly() }
    }
    exit(runCLI())
}

/// husk's first instant (CLOCK_MONOTONIC ns): the origin of --stats' wall time.
enum HuskStart {
    nonisolated(unsafe) static var nanos: UInt64 = 0
}
