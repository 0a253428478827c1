import CHusk
import Glibc
import Gofer
import SystemPackage

/// The Gofer's side of the sandbox, run by `husk gofer` in its fresh mount/pid/ipc/uts/net
/// namespaces before it serves: build the root view, pivot_root into it, nodev/nosuid.
/// (Capabilities and the Gofer's seccomp filter come with issue 6.)
public enum GoferJail {
    /// Where the default root view is staged, in the Gofer's private mount namespace only.
    static let staging = "/tmp"

    public static func enter(rootfs: String?) throws(HuskError) {
        try Mount.makeAllPrivate()
        if let rootfs {
            // Bind the rootfs, through an fd opened first (it may live below the staging
            // directory, or be / itself), onto the staging directory: read-only, nosuid, nodev.
            let fd = open(rootfs, Int32(CHUSK_SB_O_PATH) | O_DIRECTORY | O_CLOEXEC)
            if fd < 0 { throw HuskError("rootfs \(rootfs)", Errno(rawValue: errno)) }
            defer { close(fd) }
            try Mount.bindReadOnly("/proc/self/fd/\(fd)", staging)
            try Mount.pivot(into: staging)
        } else {
            // The host's system directories read-only, merged-/usr symlinks, no secrets.
            do throws(Errno) { try RootView.default.build(at: staging) } catch { throw HuskError("root view", error) }
            try Mount.pivot(into: staging)
        }
    }
}
