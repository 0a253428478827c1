import Glibc
import Sandbox

/// The husk binary built next to this test bundle (same scratch directory).
func huskBinary() -> String? {
    guard let me = HostFS.readlink("/proc/self/exe") else { return nil }
    var dir = Substring(me)
    while let slash = dir.lastIndex(of: "/") {
        dir = dir[..<slash]
        let candidate = String(dir) + "/husk"
        if access(candidate, X_OK) == 0 && !HostFS.isDirectory(candidate) { return candidate }
        if dir.hasSuffix("/debug") || dir.hasSuffix("/release") { break }
    }
    return nil
}

/// posix_spawn with stdout/stderr captured into a file; returns the pid.
func spawn(_ argv: [String], output: String? = nil) -> pid_t {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if let output {
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
    defer { free(env[0]) }
    let r = posix_spawn(&pid, argv[0], &actions, nil, &cargs, &env)
    return r == 0 ? pid : -1
}

func waitStatus(_ pid: pid_t, timeoutMillis: Int = 20_000) -> Int32? {
    var st: Int32 = 0
    var waited = 0
    while waited < timeoutMillis {
        let r = waitpid(pid, &st, WNOHANG)
        if r == pid { return st }
        if r < 0 { return nil }
        usleep(10_000); waited += 10
    }
    kill(pid, SIGKILL)
    _ = waitpid(pid, &st, 0)
    return nil
}
