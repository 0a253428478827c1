import CHusk
import Glibc
import SystemPackage

/// Thin throwing wrappers over mount(2) and friends, with the path in the message.
enum Mount {
    static let rdonly = UInt(CHUSK_SB_MS_RDONLY), nosuid = UInt(CHUSK_SB_MS_NOSUID)
    static let nodev = UInt(CHUSK_SB_MS_NODEV), noexec = UInt(CHUSK_SB_MS_NOEXEC)
    static let remount = UInt(CHUSK_SB_MS_REMOUNT), bind = UInt(CHUSK_SB_MS_BIND)
    static let rec = UInt(CHUSK_SB_MS_REC), privateMount = UInt(CHUSK_SB_MS_PRIVATE)

    static func mount(_ source: String?, _ target: String, _ type: String?, _ flags: UInt, _ data: String? = nil) throws(HuskError) {
        let r = chusk_mount(source, target, type, flags, data)
        if r != 0 { throw HuskError("mount \(type ?? source ?? "") on \(target)", errnoFrom(r)) }
    }

    /// Stops mount events from reaching the host's namespace (and back).
    static func makeAllPrivate() throws(HuskError) {
        try mount(nil, "/", nil, rec | privateMount)
    }

    /// A read-only, nosuid, nodev bind of `source` at `target` (not recursive: a rootfs's own
    /// submounts, /proc or /dev say, never show through).
    static func bindReadOnly(_ source: String, _ target: String) throws(HuskError) {
        try mount(source, target, nil, bind)
        try mount(nil, target, nil, remount | bind | rdonly | nosuid | nodev)
    }

    /// Makes `newRoot` (a mount point) the root and detaches the old one.
    static func pivot(into newRoot: String) throws(HuskError) {
        if chdir(newRoot) != 0 { throw HuskError("chdir \(newRoot)", Errno(rawValue: errno)) }
        var r = chusk_pivot_root(".", ".")
        if r != 0 { throw HuskError("pivot_root \(newRoot)", errnoFrom(r)) }
        r = chusk_umount2(".", Int32(CHUSK_SB_MNT_DETACH))
        if r != 0 { throw HuskError("detach old root", errnoFrom(r)) }
        if chdir("/") != 0 { throw HuskError("chdir /", Errno(rawValue: errno)) }
    }
}
