import Glibc
import LinuxABI
import SystemPackage

// Shared plumbing of the file syscalls (SysFile, SysRead, SysStat, SysDir, SysFcntl, SysXattr).

/// The reusable buffer for read/write data: a single read or write moves at most this much
/// (short transfers are legal). The kernel is single-threaded, so one buffer serves all calls.
enum IOScratch {
    static let size = 1 << 20
    nonisolated(unsafe) static let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    /// The first `count` bytes (clamped to the buffer).
    static func slice(_ count: UInt64) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(count, UInt64(size)))])
    }
}

/// Runs a handler body that reports failure by throwing an Errno.
@inline(__always)
func serve(_ body: () throws(Errno) -> SyscallReturn) -> SyscallReturn {
    do { return try body() } catch { return .error(error) }
}

/// EAGAIN on a blocking description with a wait queue parks the task; anything else fails.
func blockOrFail(_ file: FileDescription, _ error: Errno, _ mask: EventMask) -> SyscallReturn {
    if error == .resourceTemporarilyUnavailable && !file.isNonBlocking, let q = file.waitQueue {
        return .block(q, mask)
    }
    return .error(error)
}

extension Task {
    /// The walk context of this task (root, cwd, credentials).
    var walkContext: WalkContext { WalkContext(fs: fs, creds: creds, task: self) }
    var vfs: VFS { kernel.vfs }

    /// The base directory of an *at() call: nil for AT_FDCWD (the cwd), else the fd's dentry,
    /// which must be a directory. Absolute paths ignore dirfd.
    func atBase(_ dirfd: Int32, _ path: [UInt8]) throws(Errno) -> Dentry? {
        if path.first == 0x2F || dirfd == AtFlags.AT_FDCWD { return nil }
        let file = try fdTable.get(dirfd)
        guard let d = file.dentry else { throw .notDirectory }
        if !path.isEmpty && !d.isDirectory { throw .notDirectory }
        return d
    }

    /// Resolves (dirfd, path) for the *at() calls that take AT_SYMLINK_NOFOLLOW/AT_EMPTY_PATH.
    /// Returns the dentry, or the open file itself for AT_EMPTY_PATH on a file without one.
    func resolveAt(_ dirfd: Int32, _ pathAddress: UInt64, flags: Int32, followDefault: Bool = true) throws(Errno) -> (Dentry?, FileDescription?) {
        let path = try copyInString(pathAddress)
        if path.isEmpty {
            guard flags & AtFlags.AT_EMPTY_PATH != 0 else { throw .noSuchFileOrDirectory }
            if dirfd == AtFlags.AT_FDCWD { return (fs.cwd, nil) }
            let file = try fdTable.get(dirfd)
            return (file.dentry, file)
        }
        let follow = followDefault ? flags & AtFlags.AT_SYMLINK_NOFOLLOW == 0 : flags & AtFlags.AT_SYMLINK_FOLLOW != 0
        let base = try atBase(dirfd, path)
        return (try vfs.walk(walkContext, from: base, path, followFinal: follow), nil)
    }

    /// A path argument resolved from the cwd (stat, chdir, truncate…).
    func resolvePath(_ pathAddress: UInt64, follow: Bool) throws(Errno) -> Dentry {
        let path = try copyInString(pathAddress)
        return try vfs.walk(walkContext, from: nil, path, followFinal: follow)
    }

    /// A path argument of an *at() call for the VFS operations: the path copied in and dirfd
    /// resolved. `emptyPath` is AT_EMPTY_PATH: an empty path names dirfd's file, which must
    /// have a name (ENOENT for a pipe's).
    func pathOperand(_ dirfd: Int32, _ pathAddress: UInt64, follow: Bool = true, emptyPath: Bool = false) throws(Errno) -> PathOperand {
        let path = try copyInString(pathAddress)
        if path.isEmpty && emptyPath && dirfd != AtFlags.AT_FDCWD {
            guard let d = try fdTable.get(dirfd).dentry else { throw .noSuchFileOrDirectory }
            return PathOperand(base: d, path: path, follow: follow, emptyPath: true)
        }
        if path.isEmpty && !emptyPath { throw .noSuchFileOrDirectory }
        return PathOperand(base: try atBase(dirfd, path), path: path, follow: follow, emptyPath: emptyPath)
    }

    /// The soft RLIMIT_NOFILE: new fds stay below it.
    var fdLimit: Int32 { group.rlimits.openFiles }
}

extension Task {
    /// Opens the file `d` names for execution (execveat with AT_EMPTY_PATH): a regular file
    /// with an execute bit the caller may use, else EACCES.
    func openDentryForExec(_ d: Dentry) throws(Errno) -> FileDescription {
        guard let inode = d.inode else { throw .noSuchFileOrDirectory }
        let st = try inode.stat()
        if st.mode & FileType.mask != FileType.regular { throw .permissionDenied }
        if vfs.mountEntry(holding: d)?.has("noexec") == true { throw .permissionDenied }
        if !creds.mayAccess(st, .execute) { throw .permissionDenied }
        return try vfs.openResolved(walkContext, d, flags: O_RDONLY, mode: 0)
    }
}

extension Task {
    /// RLIMIT_FSIZE's soft limit, nil when unlimited.
    var fileSizeLimit: UInt64? {
        let soft = group.rlimits.limits[1].soft
        return soft == ResourceLimits.infinity ? nil : soft
    }

    /// A file would grow past RLIMIT_FSIZE: SIGXFSZ to the caller, from itself (send_sig), before
    /// the call fails with EFBIG.
    func fileSizeExceeded() {
        try? kernel.sendSignal(Signal.SIGXFSZ, to: self, info: Kernel.senderInfo(Signal.SIGXFSZ, code: SigCode.SI_USER, from: self))
    }

    /// truncate and fallocate: a new size past RLIMIT_FSIZE is EFBIG after SIGXFSZ (inode_newsize_ok).
    func checkFileSize(_ size: Int64) throws(Errno) {
        guard let limit = fileSizeLimit, UInt64(clamping: size) > limit else { return }
        fileSizeExceeded()
        throw .fileTooLarge
    }
}
