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
        _ = try enter(rootfs: rootfs, volumes: [])
    }

    /// The same, and each volume as a Gofer tree (`GoferRoot`), made before pivot_root: a host
    /// directory as a detached bind mount (read-only for :ro; nosuid, nodev) of which the tree
    /// keeps an O_PATH fd; a host regular file (`-v FILE:GUEST`) as a detached bind mount of that
    /// one file, with its I/O fds opened through it (its directory is never opened). In order.
    public static func enter(rootfs: String?, volumes: [VolumeSpec]) throws(HuskError) -> [GoferRoot] {
        try Mount.makeAllPrivate()
        chusk_timing_mark("mounts private")
        var trees: [GoferRoot] = []
        for v in volumes {
            let node = open(v.host, Int32(CHUSK_SB_O_PATH) | O_CLOEXEC)
            if node < 0 { throw HuskError("volume \(v.host)", Errno(rawValue: errno)) }
            var st = stat()
            let isFile = fstat(node, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
            if !isFile && st.st_mode & S_IFMT != S_IFDIR {
                close(node)
                throw HuskError("volume \(v.host): neither a directory nor a regular file")
            }
            let attrs = UInt64(CHUSK_MOUNT_ATTR_NOSUID | CHUSK_MOUNT_ATTR_NODEV) | (v.readOnly ? UInt64(CHUSK_MOUNT_ATTR_RDONLY) : 0)
            let tree = chusk_gofer_clone_tree(node, attrs)
            close(node)
            if tree < 0 { throw HuskError("volume \(v.host)", Errno(rawValue: -tree)) }
            if isFile {
                do throws(Errno) { trees.append(try GoferRoot.file(pathFD: tree, readOnly: v.readOnly)) } catch {
                    close(tree)
                    throw HuskError("volume \(v.host)", error)
                }
            } else {
                trees.append(GoferRoot(fd: tree, readOnly: v.readOnly))
            }
        }
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
            chusk_timing_mark("root view built")
            try Mount.pivot(into: staging)
        }
        return trees
    }
}
