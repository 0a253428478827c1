// husk run by an unprivileged host user: rootless mode (a user namespace mapping the user to
// the sandbox's root) is not built yet, so it must refuse cleanly, in one line, before
// touching namespaces or cgroups, and leave nothing behind.
import Foundation
import Glibc
import Testing

@Suite("Rootless", .serialized)
struct RootlessTests {
    /// nobody (65534) always exists; setpriv drops every id and supplementary group.
    @Test("husk run as an unprivileged user: status 125, one line that says root is needed (refused before any namespace or cgroup)")
    func unprivilegedRefused() throws {
        let husk = try Husk.require()
        // The binary must be reachable by nobody (the package dirs are world-readable here).
        let r = try run(["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--",
                         husk, "run", "--", "/bin/echo", "hi"], env: Husk.defaultEnvironment, timeout: 30)
        #expect(r.status == 125, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("husk: husk run needs root"), "\(r)")
    }
}
