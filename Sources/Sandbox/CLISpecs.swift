import BuildInfo
import CHusk
import Glibc
import Platform

/// husk's version: the one place it is written (`husk --version`, `husk version`), with the git
/// commit it was built from (embedded at build time by Plugins/GitCommit).
public enum HuskVersion {
    public static let current = "0.1.0"
    public static let commit = huskGitCommit
    /// The line both commands print: `husk 0.1.0 (commit 0123456789ab)`.
    public static var line: String { "husk \(current) (commit \(commit))" }
}

/// `--env-file FILE` in docker's format: one `KEY=VALUE` per line (the value taken verbatim,
/// quotes and all), `#` comment lines and blank lines ignored, leading whitespace dropped, a
/// bare `KEY` taking the host's value when it has one (and dropped when it has none).
public enum EnvFile {
    /// The `-e`-style entries of `text` (a bare KEY is kept bare: ProgramEnvironment.build
    /// looks it up in the host's environment), or a one-line reason naming the bad line.
    public static func parse(_ text: String) -> Result<[String], HuskError> {
        var out: [String] = []
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let key = line.prefix { $0 != "=" }
            if key.isEmpty { return .failure(HuskError("line \(i + 1): no variable name before '='")) }
            if key.contains(where: { $0 == " " || $0 == "\t" }) {
                return .failure(HuskError("line \(i + 1): variable name '\(key)' contains whitespace"))
            }
            if key.utf8.contains(0) || line.utf8.contains(0) { return .failure(HuskError("line \(i + 1): contains a NUL byte")) }
            out.append(String(line))
        }
        return .success(out)
    }
}

/// `--tmpfs PATH[:size=N,mode=M]`: an extra in-memory tmpfs at PATH inside.
public struct TmpfsSpec: Equatable, Sendable {
    public var path: String
    public var sizeBytes: UInt64?
    public var mode: UInt32
    public init(path: String, sizeBytes: UInt64? = nil, mode: UInt32 = 0o1777) {
        self.path = path; self.sizeBytes = sizeBytes; self.mode = mode
    }

    /// Parses "PATH" or "PATH:size=64m,mode=755"; the reason otherwise.
    public static func parse(_ s: String) -> Result<TmpfsSpec, HuskError> {
        let colon = s.firstIndex(of: ":")
        let path = String(s[..<(colon ?? s.endIndex)])
        let names = path.split(separator: "/")
        guard path.hasPrefix("/"), !names.isEmpty, !names.contains(where: { $0 == "." || $0 == ".." }) else {
            return .failure(HuskError("--tmpfs \(s): expected an absolute path other than / (PATH[:size=N,mode=M])"))
        }
        var spec = TmpfsSpec(path: "/" + names.joined(separator: "/"))
        guard let colon else { return .success(spec) }
        for opt in s[s.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false) {
            let kv = opt.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            switch (kv[0], kv.count == 2 ? String(kv[1]) : nil) {
            case ("size", let v?):
                guard let n = CgroupLimits.parseSize(v) else { return .failure(HuskError("--tmpfs \(s): size=\(v) is not a size (e.g. 64m)")) }
                spec.sizeBytes = n
            case ("mode", let v?):
                guard let m = UInt32(v, radix: 8), m <= 0o7777 else { return .failure(HuskError("--tmpfs \(s): mode=\(v) is not an octal mode (e.g. 1777)")) }
                spec.mode = m
            default:
                return .failure(HuskError("--tmpfs \(s): unknown option '\(opt)' (supported: size=N, mode=M)"))
            }
        }
        return .success(spec)
    }
}

/// `--user`: UID, UID:GID, NAME, NAME:GROUP (or a mix), names looked up in the root view's
/// /etc/passwd and /etc/group.
public enum UserSpec {
    /// The ids `text` names. A user without a group takes its passwd entry's group (0 when the
    /// uid has no entry, as docker does). `etc` reads a file of the root view (nil: missing).
    public static func resolve(_ text: String, readEtc: (String) -> String?) -> Result<(uid: UInt32, gid: UInt32), HuskError> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty else {
            return .failure(HuskError("--user \(text): expected UID, UID:GID, NAME or NAME:GROUP"))
        }
        let passwd = readEtc("passwd").map(entries) ?? []
        let uid: UInt32, defaultGid: UInt32
        if let n = UInt32(parts[0]) {
            guard n != .max else { return .failure(HuskError("--user \(text): uid \(n) is out of range")) }
            uid = n
            defaultGid = passwd.first { UInt32($0[2]) == n }.flatMap { UInt32($0[3]) } ?? 0
        } else {
            guard let e = passwd.first(where: { $0[0] == parts[0] }), let u = UInt32(e[2]), let g = UInt32(e[3]) else {
                return .failure(HuskError("--user \(text): no user '\(parts[0])' in the sandbox's /etc/passwd"))
            }
            uid = u; defaultGid = g
        }
        guard parts.count == 2 else { return .success((uid, defaultGid)) }
        if let g = UInt32(parts[1]) {
            guard g != .max else { return .failure(HuskError("--user \(text): gid \(g) is out of range")) }
            return .success((uid, g))
        }
        guard let e = (readEtc("group").map(entries) ?? []).first(where: { $0[0] == parts[1] }), let g = UInt32(e[2]) else {
            return .failure(HuskError("--user \(text): no group '\(parts[1])' in the sandbox's /etc/group"))
        }
        return .success((uid, g))
    }

    /// The colon-separated fields of each line with at least 4 of them.
    static func entries(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count >= 4 && !$0[0].hasPrefix("#") }
    }

    /// Reads etc/NAME of the root view: below `rootfs` without leaving it (openat2
    /// RESOLVE_IN_ROOT, so a symlink in the rootfs cannot name a host file), else the host's
    /// /etc, which the default view shows.
    public static func readEtc(rootfs: String?) -> (String) -> String? {
        return { name in
            guard let rootfs else { return try? HostFS.read("/etc/" + name) }
            let dir = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dir < 0 { return nil }
            defer { close(dir) }
            let fd = chusk_gofer_openat2(dir, "etc/" + name, UInt64(O_RDONLY | O_CLOEXEC), 0, 0x10 /* RESOLVE_IN_ROOT */)
            if fd < 0 { return nil }
            defer { close(fd) }
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65536)
            while out.count < 16 << 20 {
                let n = read(fd, &buf, buf.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                out += buf[0..<n]
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// Checks of values against this machine, for one-line refusals before any set-up.
public enum HostCPUs {
    /// The online CPUs (/sys/devices/system/cpu/online), nil when unreadable.
    public static func online() -> Set<UInt32>? {
        guard let text = try? HostFS.read("/sys/devices/system/cpu/online") else { return nil }
        return cpus(inList: text.trimmedOf(" \n"))
    }

    /// The CPUs of a list such as "0-2,4" (nil if malformed).
    public static func cpus(inList text: String) -> Set<UInt32>? {
        var out = Set<UInt32>()
        for part in text.split(separator: ",") {
            let r = part.split(separator: "-", omittingEmptySubsequences: false)
            guard r.count == 1 || r.count == 2, let lo = UInt32(r[0]) else { return nil }
            let hi = r.count == 2 ? UInt32(r[1]) : lo
            guard let hi, hi >= lo, hi - lo < 65536 else { return nil }
            for c in lo...hi { out.insert(c) }
        }
        return out
    }

    /// "0-1" for {0, 1}: how messages name a set.
    public static func describe(_ set: Set<UInt32>) -> String {
        var ranges: [String] = []
        var sorted = set.sorted()[...]
        while let lo = sorted.popFirst() {
            var hi = lo
            while sorted.first == hi + 1 { hi = sorted.removeFirst() }
            ranges.append(lo == hi ? "\(lo)" : "\(lo)-\(hi)")
        }
        return ranges.joined(separator: ",")
    }
}

/// `--platform NAME`: a platform that exists, else one line saying why not (a planned one is
/// not available yet; a misspelt one gets the closest name).
public enum PlatformName {
    public static func parse(_ name: String) -> Result<PlatformKind, HuskError> {
        if let kind = PlatformKind(rawValue: name) { return .success(kind) }
        let available = "(available: " + PlatformKind.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        if PlatformKind.planned.contains(name) { return .failure(HuskError("--platform \(name): not available yet \(available)")) }
        if let near = closestName(to: name, among: PlatformKind.knownNames) {
            return .failure(HuskError("--platform \(name): unknown platform; did you mean '\(near)'? \(available)"))
        }
        return .failure(HuskError("--platform \(name): unknown platform \(available)"))
    }
}

/// "did you mean": the name of `names` closest to `word` (at most 2 edits away and fewer than
/// the name's length), if any.
public func closestName(to word: String, among names: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var prev = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var cur = [i + 1]
            for (j, cb) in b.enumerated() { cur.append(min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (ca == cb ? 0 : 1))) }
            prev = cur
        }
        return prev[b.count]
    }
    let scored = names.map { ($0, distance(Array(word.lowercased()), Array($0))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2, best.1 < best.0.count else { return nil }
    return best.0
}

/// Linux's rule for a hostname (sethostname(2)): 1 to 64 bytes, no NUL.
public func isValidHostname(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 64 && !name.utf8.contains(0)
}

extension String {
    func trimmedOf(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
