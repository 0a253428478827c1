import CHusk
import Glibc

/// `husk monitor`: in its own session, outside the sandbox's cgroup, it outlives husk run
/// (like podman's conmon). When husk run is done (it read the sandbox's counters after the
/// Sentry exited, and returns without waiting for the clean-up) or dies, it kills everything left
/// in the sandbox (the Sentry and Gofer are the inits of their PID namespaces, so killing them
/// takes their namespaces with them; the cgroup catches anything else), removes the cgroup
/// directories and exits.
public func monitorMain(_ args: MonitorArguments) -> Int32 {
    let watchFD = chusk_pidfd_open(args.watch)
    let sentryFD = args.sentry > 0 ? chusk_pidfd_open(args.sentry) : -1
    let goferFD = args.gofer > 0 ? chusk_pidfd_open(args.gofer) : -1
    let pastaFD = args.pasta > 0 ? chusk_pidfd_open(args.pasta) : -1
    // husk run gone already (or not our parent any more): end the sandbox at once.
    let parentAlive = watchFD >= 0 && getppid() == args.watch
    var one: UInt8 = 1
    _ = write(PartFD.monitorReady, &one, 1)
    close(PartFD.monitorReady)
    var reported = false
    if parentAlive {
        // husk run's done pipe: a byte once it has read the counters and is returning (the
        // clean-up is then off its critical path), EOF without one when it died. Its pidfd as
        // well, for a husk run that died holding a copy of the pipe elsewhere.
        let doneFD = fcntl(PartFD.monitorDone, F_GETFD) >= 0 ? PartFD.monitorDone : -1
        var fds = [pollfd(fd: doneFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: watchFD, events: Int16(POLLIN), revents: 0)]
        // Idle until the end: its start-up pages need not stay resident (docs/startup.md
        // "Memory"); dropped last, just before it waits, so that little faults back in.
        _ = chusk_drop_clean_exe_pages()
        _ = chusk_drop_clean_text_pages()
        while true {
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n > 0 {
                if doneFD >= 0 && fds[0].revents != 0 { reported = readByte(doneFD) }
                break
            }
            if n < 0 && errno != EINTR { break }
        }
    }
    if reported {
        // husk run returned: its stderr is no longer ours to hold (a caller reading it to EOF
        // would wait for the clean-up).
        _ = dup2(0, 2)
    }
    if pastaFD >= 0 { _ = chusk_pidfd_send_signal(pastaFD, SIGKILL) }
    endSandbox(sentryPidFD: sentryFD, goferPidFD: goferFD, cgroups: args.cgroups, reportLimits: !reported)
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
}
