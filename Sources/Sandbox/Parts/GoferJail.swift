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
            // Bind the rootfs onto itself: a read-only mount point to pivot into.
            guard HostFS.isDirectory(rootfs) else { throw HuskError("rootfs \(rootfs): not a directory") }
            try Mount.bindReadOnly(rootfs, rootfs)
            try Mount.pivot(into: rootfs)
        } else {
            // The host's system directories read-only, merged-/usr symlinks, no secrets.
            do throws(Errno) { try RootView.default.build(at: staging) } catch { throw HuskError("root view", error) }
            try Mount.pivot(into: staging)
        }
    }
}
