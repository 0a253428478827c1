import CHusk
import Glibc

/// `husk run --debug-timing` (or HUSK_DEBUG_TIMING=1): every start-up step of husk run and of
/// the parts it starts prints one `husk: timing:` line on stderr (docs/startup.md). The log
/// itself is C (chusk_timing_*): one clock read and one write(2) per step, so that it can run
/// in the Sentry and the Gofer under their filters.
public enum DebugTiming {
    /// Whether the command line (before the program) or the environment asks for the step log.
    public static func requested(_ args: [String]) -> Bool {
        if let v = getenv("HUSK_DEBUG_TIMING") {
            let s = String(cString: v)
            if !s.isEmpty && s != "0" { return true }
        }
        for a in args.dropFirst(2) {
            if a == "--" { break }
            if a == "--debug-timing" { return true }
        }
        return false
    }

    /// The environment of a part: HUSK_TIMING_ORIGIN when the log is on, so that the part
    /// logs its own steps against husk run's first instant.
    static var partEnvironment: [String] {
        let origin = chusk_timing_origin()
        return origin == 0 ? [] : ["HUSK_TIMING_ORIGIN=\(origin)"]
    }

    public static func mark(_ step: String) { chusk_timing_mark(step) }
}
