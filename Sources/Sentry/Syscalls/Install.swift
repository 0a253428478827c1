/// Fills the dispatch table at boot: one `install` per area.
func installAllSyscalls(into t: inout SyscallTable) {
    SysMisc.install(into: &t)
    SysMM.install(into: &t)
    SysSocket.install(into: &t)
    SysProcess.install(into: &t)
    SysCreds.install(into: &t)
    SysTimer.install(into: &t)
    installFileSyscalls(into: &t)
    installPipeSyscalls(into: &t)
    installSpliceSyscalls(into: &t)
    installPollSyscalls(into: &t)
}
