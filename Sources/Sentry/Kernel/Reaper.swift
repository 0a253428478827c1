/// Where the orphans of an exiting process go (kernel/exit.c's find_new_reaper): the nearest
/// ancestor that is a child subreaper (PR_SET_CHILD_SUBREAPER) and still has a live thread,
/// else the PID namespace's init. The host does the same reparenting natively (the prctl runs
/// on the host too); this keeps the Sentry's tree, /proc's PPid and the wake-up of a parent
/// parked in a served call in step with it.
extension Kernel {
    func newReaper(for exiting: ThreadGroup) -> ThreadGroup? {
        var ancestor = exiting.parent
        while let a = ancestor, a !== initGroup {
            if a.isChildSubreaper && !a.threads.isEmpty { return a }
            ancestor = a.parent
        }
        return initGroup
    }
}
