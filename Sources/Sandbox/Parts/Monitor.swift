import CHusk
import Glibc

/// `husk monitor`: in its own session, outside the sandbox's cgroup, it outlives husk run
/// (like podman's conmon). When husk run is done (it read the sandbox's counters after the
/// Sentry exited, and returns without waiting for the clean-up) or dies, it kills everything left
/// in the sandbox (the Sentry and Gofer are the inits of their PID namespaces, so killing them
/// takes their namespaces with them; the cgroup catches anything else), removes the cgroup
/// directories and exits. The waiting is done by a fork of husk run in C (chusk_monitor_fork:
/// an idle sandbox carries no Swift binary for it), which executes this with `--end` and the
/// pidfds it opened when it started.
public func monitorMain(_ args: MonitorArguments) -> Int32 {
    guard let end = args.end, args.pidFDs.count == 4 else {
        huskWarn("monitor: started without --end and --pidfds (husk run forks the monitor's waiting half)")
        return 125
    }
    let (sentryFD, goferFD, pastaFD) = (args.pidFDs[1], args.pidFDs[2], args.pidFDs[3])
    if pastaFD >= 0 { _ = chusk_pidfd_send_signal(pastaFD, SIGKILL) }
    endSandbox(sentryPidFD: sentryFD, goferPidFD: goferFD, cgroups: args.cgroups, reportLimits: end != "reported")
    return 0
}

/// Kills the parts and everything in the cgroups, then removes the cgroup directories.
func endSandbox(sentryPidFD: Int32, goferPidFD: Int32, cgroups: [String], reportLimits: Bool) {
    if sentryPidFD >= 0 { _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL) }
    if goferPidFD >= 0 { _ = chusk_pidfd_send_signal(goferPidFD, SIGKILL) }
    // Before the counters go with the directories: tell what the limits did (when husk run
    // died before it could).
    if reportLimits { for line in LimitReport.lines(directories: cgroups) { huskWarn(line) } }
    if !CgroupSet.killAndRemove(cgroups) {
        huskWarn("monitor: could not remove every cgroup of the sandbox: \(cgroups.joined(separator: " "))")
    }
    // What a monitor killed before its clean-up (SIGKILL from outside) left beside ours.
    CgroupSet.sweepStale(besides: cgroups)
}
