// An idle sandbox gives back what its start-up paged in (docs/startup.md "Memory"): once the
// Sentry and the Gofer have waited a while with nothing to do, the text of their binary and of
// the libraries they load is mostly no longer mapped, and neither is the stack their start-up
// used; it faults back in on the next request. The Gofer and the Sentry, clones of one zygote,
// share the pages the dynamic loader wrote.
import Foundation
import Glibc
import Testing

@Suite("Idle memory", .serialized)
struct IdleMemoryTests {
    /// Resident KiB of the mappings of `pid` whose smaps header line satisfies `match`.
    static func residentKiB(_ pid: pid_t, _ match: (String) -> Bool) -> Int { fieldKiB(pid, "Rss", match) }

    /// A KiB field (`Rss:`, `Shared_Dirty:`...) summed over the mappings of `pid` that `match` selects.
    static func fieldKiB(_ pid: pid_t, _ field: String, _ match: (String) -> Bool) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8)) ?? ""
        var inside = false, total = 0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = f.first, first.contains("-"), !first.hasSuffix(":") {
                inside = match(String(line))
            } else if inside, f.count >= 2, f[0] == field + ":", let kb = Int(f[1]) {
                total += kb
            }
        }
        return total
    }

    /// `husk run -- /bin/sleep 600` and its parts once the program runs (the caller kills it).
    static func runningSandbox() throws -> (Spawned, SandboxParts) {
        let run = try Spawned([try Husk.require(), "run", "--", "/bin/sleep", "600"], env: Husk.defaultEnvironment)
        var parts = SandboxParts()
        let running = waitFor(30) {
            let table = ProcessTable()
            parts = SandboxParts.find(below: run.pid, in: table)
            return parts.complete && table.descendants(of: parts.sentry).contains { table.argv[$0]?.first == "/bin/sleep" }
        }
        #expect(running, "sandbox seen: \(parts)")
        return (run, parts)
    }

    @Test("the Gofer and the Sentry are clones of one image: the pages the loader relocated are shared, not copied")
    func partsShareTheirRelocatedPages() throws {
        let (run, parts) = try Self.runningSandbox()
        defer { kill(run.pid, SIGKILL); _ = run.wait(timeout: 10) }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(parts.sentry)/exe")) ?? "?"
        // The RELRO (the read-only mapping the loader wrote): exec'd parts each held a private
        // copy; clones of the zygote share every page of it.
        let relro: (String) -> Bool = { $0.hasSuffix(" " + exe) && $0.contains(" r--p ") }
        let written = Self.fieldKiB(parts.sentry, "Anonymous", relro)
        let copied = Self.fieldKiB(parts.sentry, "Private_Dirty", relro)
        #expect(written > 0 && copied == 0, "the Sentry's RELRO: \(written) KiB written, \(copied) KiB of it its own")
        // Both at the same addresses: one image.
        let firstLine: (pid_t) -> Substring? = { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)) ?? "").split(separator: "\n").first { $0.hasSuffix(exe) }
        }
        #expect(firstLine(parts.sentry) != nil && firstLine(parts.sentry) == firstLine(parts.gofer))
    }

    @Test("the idle Sentry and Gofer keep little of their binary's text, the libraries' and of their stack")
    func idlePartsGiveBackTheirPages() throws {
        let (run, parts) = try Self.runningSandbox()
        defer { kill(run.pid, SIGKILL); _ = run.wait(timeout: 10) }
        // The trim comes after 200 ms of nothing to do: wait well past it.
        usleep(1_200_000)
        for (name, pid) in [("sentry", parts.sentry), ("gofer", parts.gofer)] {
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? "?"
            let text = Self.residentKiB(pid) { $0.hasSuffix(" " + exe) && $0.contains(" r-xp ") }
            let libstdcxx = Self.residentKiB(pid) { $0.contains("libstdc++") && $0.contains(" r-xp ") }
            let stack = Self.residentKiB(pid) { $0.hasSuffix("[stack]") }
            // Before the trim waited in C (and covered the libraries and the stack): the
            // binary's text 650-770 KiB, libstdc++'s 280 KiB, the Sentry's stack 80 KiB.
            #expect(text <= 320, "\(name): \(text) KiB of \(exe)'s text resident")
            #expect(libstdcxx <= 128, "\(name): \(libstdcxx) KiB of libstdc++'s text resident")
            #expect(stack <= 48, "\(name): \(stack) KiB of stack resident")
        }
    }
}
