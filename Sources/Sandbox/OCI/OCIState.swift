import Glibc
import SystemPackage

/// A container's record under `--root/ID/state.json` (written atomically: a temporary file
/// renamed over it). The runtime-spec state plus what husk keeps for itself (the exit status).
public struct OCIState: Equatable, Sendable {
    /// runtime-spec's states, and runc's `paused` (frozen by `husk pause`).
    public enum Status: String, Sendable { case creating, created, running, paused, stopped }
    public var id: String
    public var status: Status
    /// The host pid engines watch: the OCI shim, whose exit status is the program's.
    public var pid: Int32
    public var bundle: String
    public var annotations: [(String, String)] = []
    public var ociVersion = "1.0.2"
    /// The program's exit status (shell style: 128+N for signal N) once stopped.
    public var exitStatus: Int32?
    /// Seconds since the epoch at create.
    public var created: Int64 = 0

    public init(id: String, status: Status, pid: Int32, bundle: String) {
        self.id = id; self.status = status; self.pid = pid; self.bundle = bundle
    }

    public static func == (a: OCIState, b: OCIState) -> Bool { a.json == b.json }

    /// The runtime-spec state (runtime.md "State"), husk's own fields after it.
    public var json: JSON {
        var m: [(String, JSON)] = [("ociVersion", .string(ociVersion)), ("id", .string(id)), ("status", .string(status.rawValue))]
        // The spec: pid is REQUIRED when created or running (and runc's paused), absent otherwise.
        if status == .created || status == .running || status == .paused { m.append(("pid", .number(Double(pid)))) }
        m.append(("bundle", .string(bundle)))
        m.append(("annotations", .object(annotations.map { ($0.0, .string($0.1)) })))
        return .object(m)
    }

    /// What `state.json` holds: the spec's state and husk's fields.
    var record: JSON {
        guard case .object(var m) = json else { return json }
        if !(status == .created || status == .running || status == .paused) { m.append(("pid", .number(Double(pid)))) }
        m.append(("created", .number(Double(created))))
        if let e = exitStatus { m.append(("exitStatus", .number(Double(e)))) }
        return .object(m)
    }

    static func from(_ j: JSON) -> OCIState? {
        guard let id = j["id"]?.string, let s = j["status"]?.string.flatMap(Status.init), let pid = j["pid"]?.int64,
              let bundle = j["bundle"]?.string else { return nil }
        var st = OCIState(id: id, status: s, pid: Int32(pid), bundle: bundle)
        st.ociVersion = j["ociVersion"]?.string ?? st.ociVersion
        st.annotations = (j["annotations"]?.members ?? []).compactMap { k, v in v.string.map { (k, $0) } }
        st.exitStatus = j["exitStatus"]?.int64.map { Int32($0) }
        st.created = j["created"]?.int64 ?? 0
        return st
    }
}

/// The state directory of the runtime: `--root` (default /run/husk), one directory per container.
public struct OCIStore: Sendable {
    public let root: String
    public init(root: String) { self.root = root }

    public static let defaultRoot = "/run/husk"

    /// runc's rule for ids: letters, digits, and _ . - after the first; at most 1024 bytes.
    public static func validID(_ id: String) -> Bool {
        guard let f = id.utf8.first, id.utf8.count <= 1024, isAlnum(f) else { return false }
        return id.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    public func directory(_ id: String) -> String { root + "/" + id }
    public func controlSocket(_ id: String) -> String { directory(id) + "/control.sock" }

    /// Makes the container's directory; an existing one is an error as in runc.
    public func makeDirectory(_ id: String) throws(HuskError) {
        guard OCIStore.validID(id) else { throw HuskError("invalid container id '\(id)'") }
        do throws(Errno) { try mkdirAll(root) } catch { throw HuskError("--root \(root)", error) }
        if mkdir(directory(id), 0o711) != 0 {
            let e = Errno(rawValue: errno)
            if e == .fileExists { throw HuskError("container \(id) already exists") }
            throw HuskError(directory(id), e)
        }
    }

    func mkdirAll(_ path: String) throws(Errno) {
        var p = ""
        for c in path.split(separator: "/") {
            p += "/" + c
            try HostFS.mkdirIfMissing(p, mode: 0o711)
        }
    }

    public func write(_ s: OCIState) throws(HuskError) {
        let dir = directory(s.id)
        let tmp = dir + "/.state.json.tmp.\(getpid())"
        do throws(Errno) {
            try HostFS.create(tmp, s.record.text + "\n", mode: 0o644)
            if rename(tmp, dir + "/state.json") != 0 { throw Errno(rawValue: errno) }
        } catch {
            unlink(tmp)
            throw HuskError("\(dir)/state.json", error)
        }
    }

    public func read(_ id: String) throws(HuskError) -> OCIState {
        guard OCIStore.validID(id) else { throw HuskError("invalid container id '\(id)'") }
        let text: String
        do throws(Errno) { text = try HostFS.read(directory(id) + "/state.json") } catch {
            if error == .noSuchFileOrDirectory { throw HuskError("container \(id) does not exist") }
            throw HuskError("\(directory(id))/state.json", error)
        }
        guard let j = try? JSON.parse(text), let s = OCIState.from(j) else { throw HuskError("\(directory(id))/state.json is damaged") }
        return s
    }

    /// The state with the shim's liveness folded in: a created or running container whose shim
    /// is gone is stopped.
    public func current(_ id: String) throws(HuskError) -> OCIState {
        var s = try read(id)
        if s.status != .stopped && !OCIStore.alive(s.pid) {
            // The shim writes the exit status before it exits: read once more.
            s = (try? read(id)) ?? s
            if s.status != .stopped { s.status = .stopped }
        }
        return s
    }

    /// Whether pid exists and is not a zombie.
    public static func alive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        guard let stat = try? HostFS.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let rest = stat[stat.index(after: close)...].drop { $0 == " " }
        return rest.first != "Z" && rest.first != "X"
    }

    /// Removes the container's directory and what is in it (flat: husk writes no subdirectory).
    public func remove(_ id: String) {
        let dir = directory(id)
        if let d = opendir(dir) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(dir + "/" + name) }
            }
            closedir(d)
        }
        rmdir(dir)
    }

    /// The ids under the root.
    public func list() -> [String] {
        guard let d = opendir(root) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if OCIStore.validID(name) { out.append(name) }
        }
        return out.sorted()
    }
}
