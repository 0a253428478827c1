import Glibc
import SystemPackage

/// `husk update` (podman update, `ctr task update`): new resource limits for a running
/// container, as runc's update. `--resources FILE` (or `-`: stdin) is a runtime-spec
/// linux.resources object; the flags set one limit each. The shim writes them into the
/// sandbox's cgroups (only the limits given change). Refused in one line: what config.json's
/// linux.resources refuses, and the flags of controllers Husk does not set.
extension OCIRuntime {
    func update(_ args: [String]) throws(HuskError) -> Int32 {
        var cursor = ArgumentCursor(args)
        var limits = CgroupLimits()
        var resources: String?
        var id: String?
        var quota: Int64?, period: Int64?
        func size(_ flag: String, _ v: String) throws(HuskError) -> UInt64 {
            guard let n = CgroupLimits.parseSize(v) else { throw HuskError("\(flag) \(v): not a size") }
            return n
        }
        while let a = cursor.next() {
            switch a {
            case "--resources", "-r": resources = try cursor.value()
            case "--memory", "-m": limits.memoryBytes = try size(a, try cursor.value())
            case "--pids-limit":
                let v = try cursor.value()
                guard let n = Int(v) else { throw HuskError("--pids-limit \(v): not a number") }
                if n > 0 { limits.pids = n }
            case "--cpu-shares":
                let v = try cursor.value()
                guard let n = UInt64(v), n > 0 else { throw HuskError("--cpu-shares \(v): not a positive number") }
                limits.cpuShares = max(2, min(n, 262_144))
            case "--cpu-quota":
                let v = try cursor.value()
                guard let n = Int64(v) else { throw HuskError("--cpu-quota \(v): not a number") }
                quota = n
            case "--cpu-period":
                let v = try cursor.value()
                guard let n = Int64(v), n > 0 else { throw HuskError("--cpu-period \(v): not a positive number") }
                period = n
            case "--cpuset-cpus":
                let v = try cursor.value()
                guard CgroupLimits.isCpuList(v) else { throw HuskError("--cpuset-cpus \(v): not a CPU list") }
                limits.cpusetCpus = v
            // Accepted and not applied, as config.json's: swap follows the memory limit here,
            // and the others name controllers Husk does not set.
            case "--memory-swap", "--memory-reservation", "--kernel-memory", "--kernel-memory-tcp", "--cpuset-mems":
                _ = try cursor.value()
            case "--blkio-weight", "--cpu-rt-period", "--cpu-rt-runtime", "--l3-cache-schema", "--mem-bw-schema":
                throw HuskError("\(a) is not supported by husk update")
            default:
                if a.hasPrefix("-") { throw HuskError("unknown option \(a)") }
                guard id == nil else { throw HuskError("usage: husk update [--resources FILE] [OPTIONS] ID") }
                id = a
            }
        }
        guard let id else { throw HuskError("usage: husk update [--resources FILE] [OPTIONS] ID") }
        if let q = quota, q > 0 { limits.cpus = Double(q) / Double(period ?? Int64(CgroupLimits.cpuPeriodMicros)) }
        if let file = resources {
            let text: String
            if file == "-" {
                text = readStandardInput()
            } else {
                do throws(Errno) { text = try HostFS.read(file) } catch { throw HuskError("--resources \(file)", error) }
            }
            let json: JSON
            do throws(JSON.ParseError) { json = try JSON.parse(text) } catch {
                throw HuskError("--resources: malformed JSON at byte \(error.offset): \(error.message)")
            }
            let given = try OCISpec.limits(json)
            // The file's limits, then the flags' over them (runc's order).
            var merged = given
            if let m = limits.memoryBytes { merged.memoryBytes = m }
            if let p = limits.pids { merged.pids = p }
            if let c = limits.cpus { merged.cpus = c }
            if let s = limits.cpuShares { merged.cpuShares = s }
            if let l = limits.cpusetCpus { merged.cpusetCpus = l }
            limits = merged
        }
        let s = try store.current(id)
        guard s.status == .running || s.status == .paused || s.status == .created else { throw HuskError("container \(id) is not running") }
        if limits.isEmpty { return 0 }
        guard let answer = OCIControl.request(store.directory(id), "update " + limits.encoded) else {
            throw HuskError("container \(id) is not running")
        }
        if answer != "ok" { throw HuskError(answer.hasPrefix("error: ") ? String(answer.dropFirst(7)) : answer) }
        return 0
    }

    /// All of stdin (the resources object podman pipes in).
    func readStandardInput() -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count < 1 << 20 {
            let n = Glibc.read(0, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
