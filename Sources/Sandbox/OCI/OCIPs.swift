// `husk ps ID` as a table: the host's ps, limited to the container's pids (runc's way).

import CHusk
import Glibc
import SystemPackage

enum OCIPs {
    /// Runs `ps ARGS` and keeps its header and the rows of `pids`.
    static func table(_ args: [String], pids: Set<Int32>) throws(HuskError) -> String {
        let output = try capture(["ps"] + args)
        guard let kept = filter(output, pids: pids) else { throw HuskError("ps \(args.joined(separator: " ")) printed no PID column") }
        return kept
    }

    /// The header and the rows whose PID column is one of `pids`; nil without a PID column.
    static func filter(_ output: String, pids: Set<Int32>) -> String? {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, let column = header.split(separator: " ").firstIndex(of: "PID") else { return nil }
        var out = String(header) + "\n"
        for line in lines.dropFirst() where !line.isEmpty {
            let fields = line.split(separator: " ")
            if column < fields.count, let pid = Int32(fields[column]), pids.contains(pid) { out += line + "\n" }
        }
        return out
    }

    /// The stdout of a program found on PATH; an error if it cannot run or fails.
    static func capture(_ argv: [String]) throws(HuskError) -> String {
        var fds: [Int32] = [-1, -1]
        if chusk_pipe_cloexec(&fds) != 0 { throw HuskError("pipe: \(Errno(rawValue: errno))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        var cargv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargv { free(p) } }
        var pid: pid_t = 0
        let r = posix_spawnp(&pid, argv[0], &actions, nil, &cargv, environ)
        close(fds[1])
        if r != 0 { close(fds[0]); throw HuskError("\(argv[0]): \(Errno(rawValue: r))") }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        close(fds[0])
        var st: Int32 = 0
        while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
        guard chusk_wifexited(st) != 0 && chusk_wexitstatus(st) == 0 else { throw HuskError("\(argv.joined(separator: " ")) failed") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
