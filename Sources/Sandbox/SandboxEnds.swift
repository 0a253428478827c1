import CHusk
import Glibc
import Sentry
import SystemPackage

/// husk run's ends of a started sandbox: the program's stdio and status pipes, the parts'
/// pidfds, the monitor's done pipe and the cgroup directories whose counters it reports.
/// Made by `Parts.start` (husk run's own sandbox) or received from the pool (docs/pool.md).
struct SandboxEnds {
    var stdinW: Int32
    var stdoutR: Int32
    var stderrR: Int32
    var statusR: Int32
    var sentryPid: pid_t
    var sentryPidFD: Int32
    var goferPid: pid_t
    var goferPidFD: Int32
    /// The monitor's done pipe (PartFD.monitorDone): a byte once the counters were read.
    var monitorDoneW: Int32
    var cgroups: [String]
    /// -t: window sizes to the console.
    var controlW: Int32 = -1
    /// A pooled sandbox: its Sentry's launch socket.
    var launchW: Int32 = -1

    /// Every fd held, for a hand-over (in this order) or a close.
    var fds: [Int32] { [stdinW, stdoutR, stderrR, statusR, sentryPidFD, goferPidFD, monitorDoneW, launchW] }

    func closeAll() { for fd in fds + [controlW] where fd >= 0 { close(fd) } }

    /// Relays the program's stdio until the Sentry is gone, reads the counters, hands the
    /// clean-up to the monitor and returns husk run's exit status (after its one line, if any).
    /// `placements`: the cgroups for --stats (nil: none to read); `partsAreChildren`: false
    /// when the pool started them.
    mutating func relayAndReport(_ o: RunOptions, signalFD: Int32, placements: [CgroupPlacement]?,
                                 runtime: ShimChannel? = nil, partsAreChildren: Bool = true) -> Int32 {
        var relay = StdioRelay(stdinW: stdinW, stdoutR: stdoutR, stderrR: stderrR, statusR: statusR,
                               sentryPid: sentryPid, sentryPidFD: sentryPidFD, signalFD: signalFD)
        relay.partsAreChildren = partsAreChildren
        if let t = o.timeoutMillis { relay.deadlineMillis = monotonicMillis() + t }
        if o.tty {
            relay.controlW = controlW
            if relay.controlW >= 0 { _ = fcntl(relay.controlW, F_SETFL, O_NONBLOCK) }
            // -t without -i: the terminal gets no input (docker's -t alone).
            if !o.interactive { relay.closeStdin() }
            if isatty(0) != 0 { _ = chusk_tty_raw(0) }
        }
        defer { if o.tty { chusk_tty_restore() } }
        relay.goferPid = goferPid
        relay.goferPidFD = goferPidFD
        relay.control = runtime
        defer { if goferPidFD >= 0 { close(goferPidFD) } }
        // Set-up is over: the code and constants it paged in (argument parsing above all) need
        // not stay resident while husk run relays (docs/startup.md "Memory"). A pooled run paged
        // in little, and is mostly short: its relay's idle trim (after 200 ms) does it.
        if partsAreChildren { _ = chusk_drop_clean_exe_pages() }
        relay.run()
        DebugTiming.mark("sentry exited")
        // The counters before the monitor removes the cgroups; then the clean-up is the
        // monitor's alone, off husk run's critical path.
        let limitLines = LimitReport.lines(directories: cgroups)
        var stats: SandboxStats? = nil
        if o.wantsStats, let placements {
            var s = SandboxStats()
            s.wallSeconds = Double(chusk_monotonic_ns() &- o.startNanos) / 1e9
            s.readCgroups(placements)
            if relay.status.count > 4 { s.readSentryRecord(relay.status.dropFirst(4)) }
            stats = s
        }
        monitorHandOver(&monitorDoneW, reported: true)
        DebugTiming.mark("counters read, clean-up handed to the monitor")
        let partDied = relay.forcedKill == nil && !relay.timedOut && (relay.goferCrashed || relay.status.count < 4)
        if partDied, let oom = limitLines.first(where: { $0.hasPrefix("memory limit") }) {
            // The OOM killer took the Sentry or the Gofer (set-up, or a limit too tight for
            // them): one line for both facts.
            let limit = oom.split(separator: ":").first.map(String.init) ?? "memory limit reached"
            huskWarn("\(limit): the kernel killed the \(relay.goferCrashed ? "Gofer" : "Sentry") (OOM) and the sandbox ended; give it a larger --memory")
            return HuskExitStatus.internalError
        }
        for line in limitLines { huskWarn(line) }
        defer { if let stats { Self.report(stats, o) } }
        if let k = relay.forcedKill {
            huskWarn(k.message)
            return k.status
        }
        if relay.timedOut {
            huskWarn("timed out after \(RunOptions.describeDuration(o.timeoutMillis ?? 0))")
            return HuskExitStatus.timedOut
        }
        // A pooled part's wait status is the pool's (0x7f00 here): its end is all we know.
        func how(_ st: Int32?) -> String { partsAreChildren ? describe(waitStatus: st ?? 0) : "ended unexpectedly" }
        if relay.goferCrashed {
            huskWarn("gofer died: " + how(relay.goferWaitStatus) + "; the sandbox was ended")
            return HuskExitStatus.internalError
        }
        if relay.status.count >= 4 {
            let st = relay.status.prefix(4).enumerated().reduce(Int32(0)) { $0 | Int32($1.element) << (8 * $1.offset) }
            return shellStatus(waitStatus: st)
        }
        huskWarn("sentry died: " + how(relay.sentryWaitStatus))
        return HuskExitStatus.internalError
    }

    /// --stats and --stats-json: the line on stderr, the record in the file.
    static func report(_ stats: SandboxStats, _ o: RunOptions) {
        if let path = o.statsJSONPath {
            do throws(Errno) { try HostFS.create(path, stats.json) } catch {
                huskWarn("--stats-json \(path): \(error)")
            }
        }
        if o.stats { huskWarn("stats: " + stats.line) }
    }
}

/// Tells the monitor that husk run is done (a byte: the limits were reported) or gave up
/// (EOF alone), so that it ends the sandbox and removes the cgroups.
func monitorHandOver(_ fd: inout Int32, reported: Bool) {
    guard fd >= 0 else { return }
    if reported {
        var one: UInt8 = 1
        _ = write(fd, &one, 1)
    }
    close(fd)
    fd = -1
}
