import CHusk
import Glibc
import Sandbox

/// Dispatches the hidden parts before swift-argument-parser does any work (they are started
/// often and want a cheap start-up), then the user-facing CLI.
func huskEntry() -> Never {
    let start = chusk_monotonic_ns()
    HuskStart.nanos = start
    let args = CommandLine.arguments
    // --debug-timing: husk run passes its first instant to the parts in HUSK_TIMING_ORIGIN.
    if args.count >= 2, let origin = getenv("HUSK_TIMING_ORIGIN").flatMap({ UInt64(String(cString: $0)) }) {
        chusk_timing_start(origin, args[1])
        chusk_timing_mark("exec'd")
    } else if args.count >= 2, args[1] == "run", DebugTiming.requested(args) {
        chusk_timing_start(start, "run")
    }
    if args.count >= 2 {
        let rest = args[2...]
        switch args[1] {
        case "gofer": exit(goferEntry(rest))
        case "sentry": exit(sentryEntry(rest))
        case "monitor":
            guard let m = MonitorArguments.parse(rest) else { exit(usage("monitor")) }
            exit(monitorMain(m))
        default: break
        }
    }
    exit(runCLI())
}

func usage(_ part: String) -> Int32 {
    huskWarn("\(part): bad arguments (this is an internal command started by `husk run`)")
    return 125
}

/// husk's first instant (CLOCK_MONOTONIC ns): the origin of --stats' wall time.
enum HuskStart {
    nonisolated(unsafe) static var nanos: UInt64 = 0
}
