import Glibc
import Sandbox

/// Dispatches the hidden parts before swift-argument-parser does any work (they are started
/// often and want a cheap start-up), then the user-facing CLI.
func huskEntry() -> Never {
    let args = CommandLine.arguments
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
