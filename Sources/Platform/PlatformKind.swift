// Which Platform the Sentry runs on: `husk run --platform NAME`, passed to the Sentry by name
// and built here, the one place that knows the implementations.

import SystemPackage

public enum PlatformKind: String, CaseIterable, Sendable {
    /// seccomp RET_TRACE stops served over ptrace (Ptrace/).
    case ptrace
    /// ptrace for the lifecycle, seccomp user notifications for the memory-only calls (Unotify/).
    case unotify

    /// The platform without --platform: unotify, the faster of the two (docs/platforms.md,
    /// "Choosing the default") and as complete; it falls back to ptrace on a kernel without
    /// its features.
    public static let standard: PlatformKind = .unotify

    /// Names of platforms that are planned but not built yet: refused as not available.
    public static let planned = ["systrap"]

    /// Every name `--platform` knows, available or not (for "did you mean").
    public static var knownNames: [String] { allCases.map(\.rawValue) + planned }

    /// Builds the platform with the application filter (made from the Sentry's syscall table).
    /// Called once, on the thread that will serve the tasks. A platform whose kernel features
    /// are missing (probed here) falls back to ptrace; `note` gets one line saying so, and any
    /// later line about an optional feature.
    public func make(filter: ApplicationFilter, note: @escaping (String) -> Void = { _ in }) throws(Errno) -> any Platform {
        switch self {
        case .ptrace: return try PtracePlatform(filter: filter)
        case .unotify:
            if let missing = UnotifyPlatform.missingFeature() {
                note("husk: --platform unotify: \(missing); using ptrace")
                return try PtracePlatform(filter: filter)
            }
            return try UnotifyPlatform(filter: filter, note: note)
        }
    }
}
