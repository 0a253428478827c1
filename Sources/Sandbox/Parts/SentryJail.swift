import Glibc
import SystemPackage

/// The Sentry's side of the sandbox, run by `husk sentry` in its fresh mount/pid/ipc/uts/net/
/// cgroup namespaces before the kernel starts: its root becomes an empty tmpfs (mode 0555)
/// holding only a procfs of its own PID namespace at /proc (the Platform reads NSpid there;
/// never the host's /proc, whose 1/root leads to the host root).
public enum SentryJail {
    static let staging = "/tmp"

    public static func enter() throws(HuskError) {
        try Mount.makeAllPrivate()
        try Mount.mount("husk-sentry", staging, "tmpfs", Mount.nosuid | Mount.nodev | Mount.noexec, "mode=0555,size=64k")
        do { try HostFS.mkdirIfMissing(staging + "/proc", mode: 0o555) } catch { throw HuskError("sentry root", error) }
        try Mount.mount("proc", staging + "/proc", "proc", Mount.nosuid | Mount.nodev | Mount.noexec)
        try Mount.pivot(into: staging)
    }
}
