import CHusk
import Glibc

/// `husk monitor`: in its own session, outside the sandbox's cgroup, it outlives husk run
/// (like podman's conmon). When husk run dies or the Sentry exits (husk run kills the Sentry
/// when the Gofer crashes, so that it alone tells which part died), it kills everything left
/// in the sandbox (the Sentry and Gofer are the inits of their PID namespaces, so killing them
/// takes their namespaces with them; the cgroup catches anything else), removes the cgroup
/// directories and exits.
public func monitorMain(_ args: MonitorArguments) -> Int32 {
    let watchFD = chusk_pidfd_open(args.watch)
    let sentryFD = args.sentry > 0 ? chusk_pidfd_open(args.sentry) : -1
    let goferFD = args.gofer > 0 ? chusk_pidfd_open(args.gofer) : -1
    // husk run gone already (or not our parent any more): end the sandbox at once.
    let parentAlive = watchFD >= 0 && getppid() == args.watch
    var one: UInt8 = 1
    _ = write(PartFD.monitorReady, &one, 1)
    close(PartFD.monitorReady)
    if parentAlive {
        var fds = [pollfd(fd: watchFD, events: Int16(POLLIN), revents: 0)]
        if sentryFD >= 0 { fds.append(pollfd(fd: sentryFD, events: Int16(POLLIN), revents: 0)) }
        while true {
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n > 0 { break }
            if n < 0 && errno != EINTR { break }
        }
    }
    endSandbox(sentryPidFD: sentryFD, goferPidFD: goferFD, cgroups: args.cgroups)
    return 0
}

/// Kills the parts and everything in the cgroups, then removes the cgroup directories.
func endSandbox(sentryPidFD: Int32, goferPidFD: Int32, cgroups: [String]) {
    if sentryPidFD >= 0 { _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL) }
    if goferPidFD >= 0 { _ = chusk_pidfd_send_signal(goferPidFD, SIGKILL) }
    // Before the counters go with the directories: tell what the limits did.
    for line in LimitReport.lines(directories: cgroups) { huskWarn(line) }
    if !CgroupSet.killAndRemove(cgroups) {
        huskWarn("monitor: could not remove every cgroup of the sandbox: \(cgroups.joined(separator: " "))")
    }
}
