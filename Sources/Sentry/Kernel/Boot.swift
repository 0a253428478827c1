import Glibc

/// Runs the Sentry kernel until the program's PID 1 exits; returns the Sentry's exit status.
public func sentryMain(_ config: SentryConfig) -> Int32 {
    let msg = "husk: sentry: kernel not built yet\n"
    _ = msg.withCString { write(2, $0, strlen($0)) }
    return HuskExitStatus.internalError
}
