import CHusk
import Glibc
import Sandbox
import Sentry
import SystemPackage

/// `husk sentry [--cwd DIR] [--platform NAME] [--strace] [--terminal T] [--env K=V]... -- PROGRAM ARGS...`:
/// in fresh namespaces, move onto an empty root with only /proc, then run the kernel.
func sentryEntry(_ args: ArraySlice<String>) -> Int32 {
    guard let s = SentryArguments.parse(args) else { return usage("sentry") }
    // The Sentry writes to pipes whose reader may go away: EPIPE, not death.
    signal(SIGPIPE, SIG_IGN)
    do throws(HuskError) { try SentryJail.enter() } catch {
        huskWarn("sentry: \(error.message)")
        return 125
    }
    chusk_timing_mark("jail entered (empty root)")
    do throws(Errno) { try SentryConfinement.prepare() } catch {
        huskWarn("sentry: cannot compile its seccomp filter: \(error)")
        return 125
    }
    chusk_timing_mark("own filter compiled")
    // The program's filter as the build compiled it (libseccomp only if that data is unusable).
    PrecompiledFilters.adopt()
    SyscallTable.applicationFilter.prepare(userNotify: s.platform == .unotify)
    let config = SentryConfig(goferSocketFD: PartFD.sentryGofer, stdinFD: PartFD.sentryStdin,
                              stdoutFD: PartFD.sentryStdout, stderrFD: PartFD.sentryStderr,
                              statusFD: PartFD.sentryStatus, argv: s.argv, envp: s.env, strace: s.strace,
                              terminal: s.terminal, workingDirectory: s.cwd)
    var c = config
    if let u = s.user {
        let parts = u.split(separator: ":")
        if parts.count == 2, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]) { c.user = (uid, gid) }
    }
    c.platform = s.platform
    if s.terminal != nil { c.controlFD = PartFD.sentryControl }
    c.rootfsReadonly = s.rootfsReadonly
    c.memoryLimit = s.memoryLimit
    c.volumes = s.volumes.map { ($0.guest, $0.readOnly) }
    c.hostname = s.hostname
    c.network = s.network
    c.hostHosts = s.hostHosts
    c.hostResolvConf = s.hostResolvConf
    c.hostUDS = s.hostUDS
    c.tmpfs = s.tmpfs.map { ($0.path, $0.mode, $0.sizeBytes) }
    c.files = s.files.map { ($0.guest, $0.contents) }
    c.maskedPaths = s.maskedPaths
    c.readonlyPaths = s.readonlyPaths
    if s.runtimeControl { c.runtimeControlFD = PartFD.sentryRuntime }
    if s.awaitLaunch { c.launchFD = PartFD.sentryLaunch }
    c.groups = s.groups
    if let caps = s.capabilities { c.capabilities = (caps.bounding, caps.inheritable) }
    c.rlimits = s.rlimits.compactMap { RlimitArgument.parse($0) }
    c.seccompFilter = s.seccomp.map { ($0.program, $0.flags) }
    chusk_timing_mark("filter compiled")
    // Overlapped with the Gofer's set-up until here: boot once it serves.
    if !readByte(PartFD.sentryGo) { return 125 }
    close(PartFD.sentryGo)
    // husk run moved us into the sandbox's cgroup before the go byte: the new cgroup
    // namespace's root is that cgroup, and every task forked from now on is in it.
    let r = chusk_gofer_unshare(Int32(Namespaces.sentryLate))
    if r < 0 {
        huskWarn("sentry: cannot unshare its cgroup namespace: \(Errno(rawValue: -r))")
        return 125
    }
    chusk_timing_mark("gofer serves: go")
    c.lockdown = { SentryConfinement.lockdown(tasksUnderOwnIdentity: $0, bindLowPorts: s.network == .host) }
    return sentryMain(c)
}
