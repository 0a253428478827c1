import CHusk
import Glibc
import Sandbox

/// `husk-parts gofer|sentry|monitor ...` (argv[0] is "husk"): the processes husk run starts,
/// in a binary of their own that links neither swift-argument-parser nor FoundationEssentials,
/// so that each start is cheap and its pages are shared by every sandbox (docs/startup.md).
func partsEntry() -> Never {
    let args = CommandLine.arguments
    guard args.count >= 2 else { exit(usage("husk-parts")) }
    // --debug-timing: husk run passes its first instant in HUSK_TIMING_ORIGIN.
    if let origin = getenv("HUSK_TIMING_ORIGIN").flatMap({ UInt64(String(cString: $0)) }) {
        chusk_timing_start(origin, args[1])
        chusk_timing_mark("exec'd")
    }
    let rest = args[2...]
    switch args[1] {
    case "gofer": exit(goferEntry(rest))
    case "sentry": exit(sentryEntry(rest))
    case "oci-shim": exit(ociShimMain(rest))
    case "zygote":
        // husk run's requests: each clone becomes the Gofer or the Sentry (Sandbox/Parts/Zygote.swift).
        exit(zygoteServe { argv in
            showCommandLine(argv)
            let part = argv.count >= 2 ? argv[1] : ""
            if chusk_timing_origin() != 0 {
                chusk_timing_start(chusk_timing_origin(), part)
                chusk_timing_mark("cloned")
            }
            switch part {
            case "gofer": exit(goferEntry(argv[2...]))
            case "sentry": exit(sentryEntry(argv[2...]))
            default: exit(usage(part))
            }
        })
    case "monitor":
        guard let m = MonitorArguments.parse(rest) else { exit(usage("monitor")) }
        exit(monitorMain(m))
    default: exit(usage(args[1]))
    }
}

func usage(_ part: String) -> Int32 {
    huskWarn("\(part): bad arguments (this is an internal command started by `husk run`)")
    return 125
}
