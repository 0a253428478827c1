// Handles: u64 ids for O_PATH fds. Each record keeps its parent handle and name, because a
// regular file can only be reopened for I/O by name below its parent (no /proc in the Gofer's
// root, and O_PATH fds cannot be upgraded). A parent lives as long as a child refers to it.

import GoferProtocol

struct NodeRecord {
    var fd: Int32          // O_PATH (never followed through a symlink)
    var parent: GoferHandle  // 0 for an attach root
    var name: [UInt8]
    var dev: UInt64
    var ino: UInt64
    var type: UInt32       // S_IFMT bits
    var root: UInt32       // the tree (attach root) it belongs to
    var refs: Int          // 1 while the client holds it + one per child record
    var clientHeld: Bool
}

struct NodeTable {
    private(set) var records: [GoferHandle: NodeRecord] = [:]
    private var next: GoferHandle = 1
    static let maxHandles = 1 << 20

    var isFull: Bool { records.count >= NodeTable.maxHandles }

    subscript(h: GoferHandle) -> NodeRecord? { records[h] }

    /// Adds a client-held record; takes a reference on the parent.
    mutating func insert(fd: Int32, parent: GoferHandle, name: [UInt8], dev: UInt64, ino: UInt64,
                         type: UInt32, root: UInt32) -> GoferHandle {
        let h = next
        next &+= 1
        if next == 0 { next = 1 }
        records[h] = NodeRecord(fd: fd, parent: parent, name: name, dev: dev, ino: ino, type: type,
                                root: root, refs: 1, clientHeld: true)
        if parent != 0 { records[parent]?.refs += 1 }
        return h
    }

    /// The client lets go of a handle.
    mutating func clientClose(_ h: GoferHandle) {
        guard let r = records[h], r.clientHeld else { return }
        records[h]?.clientHeld = false
        release(h)
    }

    private mutating func release(_ h: GoferHandle) {
        var cur = h
        while cur != 0, let r = records[cur] {
            if r.refs > 1 {
                records[cur]?.refs = r.refs - 1
                return
            }
            hostClose(r.fd)
            records[cur] = nil
            cur = r.parent
        }
    }

    /// Records named `name` in a directory with the identity (dev, ino).
    func matching(dirDev: UInt64, dirIno: UInt64, name: [UInt8]) -> [GoferHandle] {
        var out: [GoferHandle] = []
        for (h, r) in records where r.parent != 0 && r.name == name {
            guard let p = records[r.parent], p.dev == dirDev, p.ino == dirIno else { continue }
            out.append(h)
        }
        return out
    }

    /// After a rename, these records live as `name` in `dir`.
    mutating func move(_ hs: [GoferHandle], to dir: GoferHandle, name: [UInt8]) {
        for h in hs {
            guard let r = records[h], records[dir] != nil else { continue }
            records[h]?.name = name
            if r.parent != dir {
                records[dir]?.refs += 1
                records[h]?.parent = dir
                release(r.parent)
            }
        }
    }

    /// Closes every fd (server exit).
    mutating func removeAll() {
        for (_, r) in records { hostClose(r.fd) }
        records = [:]
    }
}
