import Glibc
import Gofer
import Sandbox

/// `husk gofer [--rootfs DIR]`: in fresh namespaces, build the root view, pivot into it,
/// drop capabilities and load its seccomp filter,
/// tell husk run (one byte on fd 4), then serve the root read-only on fd 3.
func goferEntry(_ args: ArraySlice<String>) -> Int32 {
    guard let g = GoferArguments.parse(args) else { return usage("gofer") }
    signal(SIGPIPE, SIG_IGN)
    do throws(HuskError) {
        try GoferJail.enter(rootfs: g.rootfs)
        try GoferConfinement.lockdown(writable: g.writable)
    } catch {
        huskWarn("gofer: \(error.message)")
        return 125
    }
    var one: UInt8 = 1
    _ = write(PartFD.goferReady, &one, 1)
    close(PartFD.goferReady)
    return goferMain(socketFD: PartFD.goferSocket, root: "/", readOnly: !g.writable)
}
