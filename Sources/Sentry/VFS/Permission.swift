import SystemPackage

/// What an access asks for, in rwx bits (MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1).
public struct AccessRequest: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let read = AccessRequest(rawValue: 4)
    public static let write = AccessRequest(rawValue: 2)
    public static let execute = AccessRequest(rawValue: 1)
}

extension Credentials {
    /// Whether the caller is in `gid` (fsgid or a supplementary group).
    func inGroup(_ gid: UInt32) -> Bool { fsgid == gid || groups.contains(gid) }

    /// generic_permission: the owner, group or other class of `mode` must grant every bit of
    /// `want`. Root passes read and write always, search on directories always, and execute on
    /// other files when at least one execute bit is set (CAP_DAC_OVERRIDE's rule).
    public func mayAccess(_ stat: FileStat, _ want: AccessRequest) -> Bool {
        if want.isEmpty { return true }
        let mode = stat.mode
        if isRoot {
            if !want.contains(.execute) { return true }
            return mode & FileType.mask == FileType.directory || mode & 0o111 != 0
        }
        let bits: UInt32
        if fsuid == stat.uid { bits = (mode >> 6) & 7 }
        else if inGroup(stat.gid) { bits = (mode >> 3) & 7 }
        else { bits = mode & 7 }
        return bits & want.rawValue == want.rawValue
    }
}

extension Credentials {
    /// inode_owner_or_capable: the file's owner, or CAP_FOWNER.
    public func ownsOrCapable(_ stat: FileStat) -> Bool { fsuid == stat.uid || has(Capability.fowner) }
}

extension Inode {
    /// O_NOATIME is for the owner or CAP_FOWNER only (may_open, setfl): EPERM.
    func checkNoAtime(_ creds: Credentials, flags: Int32) throws(Errno) {
        guard flags & O_NOATIME_ != 0 else { return }
        if !creds.ownsOrCapable(try stat()) { throw .notPermitted }
    }

    /// EACCES unless `creds` may access the node as `want` asks, or the node grants `task`
    /// access whatever its mode (`grantsAccess`).
    func checkAccess(_ creds: Credentials, _ want: AccessRequest, task: Task? = nil) throws(Errno) {
        if want.isEmpty { return }
        if creds.mayAccess(try stat(), want) { return }
        if let task, grantsAccess(to: task) { return }
        throw .permissionDenied
    }
}
