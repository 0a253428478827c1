import Glibc
import SystemPackage

/// One `--device-{read,write}-{bps,iops} DEV:RATE`: a block device's major:minor and its limit.
public struct DeviceRate: Sendable, Equatable {
    public enum Kind: Sendable, Equatable, CaseIterable {
        case readBps, writeBps, readIops, writeIops
        /// v1 blkio.throttle file.
        var v1File: String {
            switch self {
            case .readBps: return "blkio.throttle.read_bps_device"
            case .writeBps: return "blkio.throttle.write_bps_device"
            case .readIops: return "blkio.throttle.read_iops_device"
            case .writeIops: return "blkio.throttle.write_iops_device"
            }
        }
        /// v2 io.max key.
        var v2Key: String {
            switch self {
            case .readBps: return "rbps"
            case .writeBps: return "wbps"
            case .readIops: return "riops"
            case .writeIops: return "wiops"
            }
        }
        public var flag: String {
            switch self {
            case .readBps: return "--device-read-bps"
            case .writeBps: return "--device-write-bps"
            case .readIops: return "--device-read-iops"
            case .writeIops: return "--device-write-iops"
            }
        }
    }
    public var kind: Kind
    public var major: UInt32
    public var minor: UInt32
    public var rate: UInt64
    public init(kind: Kind, major: UInt32, minor: UInt32, rate: UInt64) {
        self.kind = kind; self.major = major; self.minor = minor; self.rate = rate
    }
    public var device: String { "\(major):\(minor)" }

    /// "DEV:RATE" where DEV is a block device path (/dev/vda) or MAJOR:MINOR and RATE a size
    /// (bps: 1m, 512k...) or a count (iops). nil with the reason on a bad value.
    public static func parse(_ text: String, kind: Kind) -> Result<DeviceRate, HuskError> {
        guard let colon = text.lastIndex(of: ":") else { return .failure(HuskError("\(kind.flag) \(text): expected DEVICE:RATE")) }
        let dev = String(text[..<colon]), rateText = String(text[text.index(after: colon)...])
        let rate: UInt64?
        switch kind {
        case .readBps, .writeBps: rate = CgroupLimits.parseSize(rateText)
        case .readIops, .writeIops: rate = UInt64(rateText).flatMap { $0 > 0 ? $0 : nil }
        }
        guard let r = rate else { return .failure(HuskError("\(kind.flag) \(text): \(rateText) is not a positive rate")) }
        if !dev.hasPrefix("/") {
            let mm = dev.split(separator: ":", omittingEmptySubsequences: false)
            guard mm.count == 2, let ma = UInt32(mm[0]), let mi = UInt32(mm[1]) else {
                return .failure(HuskError("\(kind.flag) \(text): \(dev) is neither a device path nor MAJOR:MINOR"))
            }
            return .success(DeviceRate(kind: kind, major: ma, minor: mi, rate: r))
        }
        var st = stat()
        guard stat(dev, &st) == 0 else { return .failure(HuskError("\(kind.flag) \(dev)", Errno(rawValue: errno))) }
        guard st.st_mode & S_IFMT == S_IFBLK else { return .failure(HuskError("\(kind.flag) \(dev): not a block device")) }
        let d = UInt64(st.st_rdev)
        let major = UInt32(truncatingIfNeeded: ((d >> 8) & 0xfff) | ((d >> 32) & ~UInt64(0xfff)))
        let minor = UInt32(truncatingIfNeeded: (d & 0xff) | ((d >> 12) & ~UInt64(0xff)))
        return .success(DeviceRate(kind: kind, major: major, minor: minor, rate: r))
    }
}

/// Resource limits of a sandbox: memory, pids, cpu bandwidth and weight, cpuset, block I/O.
public struct CgroupLimits: Sendable, Equatable {
    public var memoryBytes: UInt64?
    public var pids: Int?
    /// --cpus N: N CPUs' worth of time per period (quota = N * period).
    public var cpus: Double?
    /// --cpu-shares N: v1 cpu.shares (2...262144, 1024 by default); v2 cpu.weight converted.
    public var cpuShares: UInt64?
    /// --cpuset-cpus LIST: the CPUs the sandbox may run on ("0-2,4").
    public var cpusetCpus: String?
    /// --device-*-bps/iops.
    public var deviceRates: [DeviceRate] = []
    /// The cfs period husk uses with --cpus (the kernel's default, 100 ms).
    public static let cpuPeriodMicros: UInt64 = 100_000

    public init(memoryBytes: UInt64? = nil, pids: Int? = nil, cpus: Double? = nil, cpuShares: UInt64? = nil,
                cpusetCpus: String? = nil, deviceRates: [DeviceRate] = []) {
        self.memoryBytes = memoryBytes; self.pids = pids; self.cpus = cpus; self.cpuShares = cpuShares
        self.cpusetCpus = cpusetCpus; self.deviceRates = deviceRates
    }
    public var isEmpty: Bool {
        memoryBytes == nil && pids == nil && cpus == nil && cpuShares == nil && cpusetCpus == nil && deviceRates.isEmpty
    }

    /// "512m", "1g", "1G", "1.5g", "64k", "1048576", "2GiB": bytes (binary units, like docker;
    /// a fraction is rounded down to a byte). nil for 0, a sign, an exponent or an overflow.
    public static func parseSize(_ text: String) -> UInt64? {
        var s = Substring(text.lowercased())
        if s.hasSuffix("ib") { s = s.dropLast(2) } else if s.hasSuffix("b") { s = s.dropLast() }
        var mult: UInt64 = 1
        switch s.last {
        case "k": mult = 1 << 10
        case "m": mult = 1 << 20
        case "g": mult = 1 << 30
        case "t": mult = 1 << 40
        default: break
        }
        if mult != 1 { s = s.dropLast() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let whole = UInt64(parts[0]) else { return nil }
        var (r, overflow) = whole.multipliedReportingOverflow(by: mult)
        if overflow { return nil }
        if parts.count == 2 {
            // Decimal digits of the fraction, exactly: 0.d1d2... × mult.
            guard !parts[1].isEmpty, parts[1].count <= 18, let f = UInt64(parts[1]) else { return nil }
            var scale: UInt64 = 1
            for _ in 0..<parts[1].count { scale *= 10 }
            let frac = UInt64((Double(f) / Double(scale) * Double(mult)).rounded(.down))
            (r, overflow) = r.addingReportingOverflow(frac)
            if overflow { return nil }
        }
        return r > 0 ? r : nil
    }

    /// "0.5", "2": a positive number of CPUs whose quota is at least 1 ms per period.
    public static func parseCpus(_ text: String) -> Double? {
        guard let v = Double(text), v.isFinite, v > 0, v <= 4096,
              UInt64(v * Double(cpuPeriodMicros)) >= 1000 else { return nil }
        return v
    }

    /// A cpuset list: "0", "0-3", "0,2-3".
    public static func isCpuList(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let r = part.split(separator: "-", omittingEmptySubsequences: false)
            guard r.count == 1 || r.count == 2, let lo = UInt32(r[0]) else { return false }
            if r.count == 2 { guard let hi = UInt32(r[1]), hi >= lo else { return false } }
        }
        return true
    }

    /// cpu.shares to cpu.weight (1...10000) the way runc and systemd convert them.
    public static func weight(fromShares s: UInt64) -> UInt64 {
        let shares = min(max(s, 2), 262_144)
        return 1 + ((shares - 2) * 9999) / 262_142
    }

    /// The cgroupfs files and values that carry these limits for one placement, in write order.
    public func files(for p: CgroupPlacement) -> [(file: String, value: String)] {
        var out: [(String, String)] = []
        let v2 = p.version == .v2
        if let m = memoryBytes, p.controllers.contains("memory") {
            out.append((v2 ? "memory.max" : "memory.limit_in_bytes", String(m)))
        }
        if let n = pids, p.controllers.contains("pids") { out.append(("pids.max", String(n))) }
        if p.controllers.contains("cpu") {
            if let c = cpus {
                let quota = UInt64(c * Double(Self.cpuPeriodMicros))
                if v2 { out.append(("cpu.max", "\(quota) \(Self.cpuPeriodMicros)")) }
                else { out += [("cpu.cfs_period_us", String(Self.cpuPeriodMicros)), ("cpu.cfs_quota_us", String(quota))] }
            }
            if let s = cpuShares {
                out.append(v2 ? ("cpu.weight", String(Self.weight(fromShares: s))) : ("cpu.shares", String(s)))
            }
        }
        if let list = cpusetCpus, p.controllers.contains("cpuset") { out.append(("cpuset.cpus", list)) }
        if !deviceRates.isEmpty && p.controllers.contains(v2 ? "io" : "blkio") {
            if v2 {
                // One io.max line per device with every key given for it.
                var order: [String] = []
                var keys: [String: [String]] = [:]
                for r in deviceRates {
                    if keys[r.device] == nil { order.append(r.device); keys[r.device] = [] }
                    keys[r.device]!.append("\(r.kind.v2Key)=\(r.rate)")
                }
                for d in order { out.append(("io.max", ([d] + keys[d]!).joined(separator: " "))) }
            } else {
                for r in deviceRates { out.append((r.kind.v1File, "\(r.device) \(r.rate)")) }
            }
        }
        return out
    }

    /// Writes the limits into the sandbox directories; a limit no placement can carry is an error.
    public func write(to placements: [CgroupPlacement]) throws(HuskError) {
        func need(_ given: Bool, _ flag: String, _ controllers: [String]) throws(HuskError) {
            if given && !placements.contains(where: { p in controllers.contains(where: { p.controllers.contains($0) }) }) {
                throw HuskError("\(flag): no \(controllers[0]) cgroup controller available")
            }
        }
        try need(memoryBytes != nil, "--memory", ["memory"])
        try need(pids != nil, "--pids", ["pids"])
        try need(cpus != nil, "--cpus", ["cpu"])
        try need(cpuShares != nil, "--cpu-shares", ["cpu"])
        try need(cpusetCpus != nil, "--cpuset-cpus", ["cpuset"])
        try need(!deviceRates.isEmpty, deviceRates.first?.kind.flag ?? "", ["blkio", "io"])
        for p in placements {
            for (file, value) in files(for: p) {
                let path = p.sandboxDirectory + "/" + file
                do { try HostFS.write(path, value) } catch {
                    throw HuskError(refusal(file: file, value: value, in: p, error))
                }
            }
        }
    }

    /// One sentence for a limit the kernel refused: which flag, and why as far as the cgroup
    /// tree tells (an ancestor's narrower cpuset or quota, a device it cannot throttle).
    func refusal(file: String, value: String, in p: CgroupPlacement, _ error: Errno) -> String {
        func parent(_ f: String) -> String { ((try? HostFS.read(p.huskDirectory + "/" + f)) ?? "?").trimmingWhitespace }
        let why = "the kernel refused \(file) = \(value) (\(error.description))"
        switch file {
        case "cpuset.cpus":
            let allowed = parent("cpuset.cpus")
            return "--cpuset-cpus \(value): husk run's cgroup may only use CPUs \(allowed.isEmpty ? "(none)" : allowed) "
                + "(cpuset.cpus of \(p.ownDirectory)), and a sandbox's CPUs must be among them"
        case "cpu.cfs_quota_us", "cpu.max", "cpu.cfs_period_us":
            let text = cpus.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? value
            if error == .invalidArgument {
                return "--cpus \(text): more CPU time than husk run's cgroup (\(p.ownDirectory)) or one of its ancestors allows (cfs quota)"
            }
            return "--cpus \(text): \(why)"
        case "cpu.shares", "cpu.weight":
            return "--cpu-shares \(cpuShares.map { String($0) } ?? value): \(why)"
        case "memory.limit_in_bytes", "memory.max":
            if error == .resourceBusy { return "--memory \(value) bytes: less than the sandbox already uses, and the kernel could not reclaim it" }
            return "--memory \(value) bytes: \(why)"
        case "pids.max":
            return "--pids \(value): \(why)"
        default:
            let device = value.split(separator: " ").first.map(String.init) ?? value
            let flag = deviceRates.first { $0.device == device }?.kind.flag ?? "--device-*"
            if error == .operationNotSupportedByDevice || error == .invalidArgument {
                return "\(flag) \(device): the kernel cannot throttle block device \(device) (a partition or a device without "
                    + "I/O scheduling: give its whole disk, as lsblk shows it)"
            }
            return "\(flag) \(device): \(why)"
        }
    }
}

extension CgroupLimits {
    /// One line for the OCI shim's control socket (`husk update`): `key=value` words for the
    /// limits that are set (mem, pids, cpus, shares, cpuset, and rate=KIND:MAJOR:MINOR:RATE).
    public var encoded: String {
        var words: [String] = []
        if let m = memoryBytes { words.append("mem=\(m)") }
        if let p = pids { words.append("pids=\(p)") }
        if let c = cpus { words.append("cpus=\(c)") }
        if let s = cpuShares { words.append("shares=\(s)") }
        if let l = cpusetCpus { words.append("cpuset=\(l)") }
        for r in deviceRates {
            let kind = DeviceRate.Kind.allCases.firstIndex(of: r.kind) ?? 0
            words.append("rate=\(kind):\(r.major):\(r.minor):\(r.rate)")
        }
        return words.joined(separator: " ")
    }

    /// The limits of `encoded`; nil for anything malformed.
    public static func decode(_ text: String) -> CgroupLimits? {
        var l = CgroupLimits()
        for word in text.split(separator: " ") {
            let kv = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { return nil }
            switch kv[0] {
            case "mem": guard let v = UInt64(kv[1]), v > 0 else { return nil }; l.memoryBytes = v
            case "pids": guard let v = Int(kv[1]), v > 0 else { return nil }; l.pids = v
            case "cpus": guard let v = Double(kv[1]), v.isFinite, v > 0 else { return nil }; l.cpus = v
            case "shares": guard let v = UInt64(kv[1]), (2...262_144).contains(v) else { return nil }; l.cpuShares = v
            case "cpuset": guard isCpuList(kv[1]) else { return nil }; l.cpusetCpus = kv[1]
            case "rate":
                let f = kv[1].split(separator: ":").map(String.init)
                guard f.count == 4, let k = Int(f[0]), DeviceRate.Kind.allCases.indices.contains(k),
                      let ma = UInt32(f[1]), let mi = UInt32(f[2]), let r = UInt64(f[3]), r > 0 else { return nil }
                l.deviceRates.append(DeviceRate(kind: DeviceRate.Kind.allCases[k], major: ma, minor: mi, rate: r))
            default: return nil
            }
        }
        return l
    }
}
