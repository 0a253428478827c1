import CHusk
import Glibc
import Gofer
import Sandbox

/// `husk gofer [--rootfs DIR] [--volume-ro|--volume-rw HOST]...`: in fresh namespaces, build the root view, pivot into it,
/// drop capabilities and load its seccomp filter,
/// tell husk run (one byte on fd 4), then serve the root read-only and the volumes on fd 3.
func goferEntry(_ args: ArraySlice<String>) -> Int32 {
    guard let g = GoferArguments.parse(args) else { return usage("gofer") }
    signal(SIGPIPE, SIG_IGN)
    var volumes: [GoferRoot] = []
    do throws(HuskError) {
        volumes = try GoferJail.enter(rootfs: g.rootfs, volumes: g.volumes)
        chusk_timing_mark("root view built, pivoted")
        try GoferConfinement.lockdown(writable: g.writable, hostUDS: g.hostUDS)
        chusk_timing_mark("confined")
    } catch {
        huskWarn("gofer: \(error.message)")
        return 125
    }
    var one: UInt8 = 1
    _ = write(PartFD.goferReady, &one, 1)
    close(PartFD.goferReady)
    let rootFD = open("/", Int32(CHUSK_SB_O_PATH) | O_DIRECTORY | O_CLOEXEC)
    if rootFD < 0 { return 1 }
    return goferMain(socketFD: PartFD.goferSocket, roots: [GoferRoot(fd: rootFD, readOnly: true)] + volumes, hostUDS: g.hostUDS, pooled: g.pooled)
}
