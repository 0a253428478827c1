// /proc inside the sandbox: what ps, cat and ls see, compared with the same steps natively
// where the facts are the same (names, states, ids as the program sees them).

import Glibc
import Testing

@Suite struct FilesProcTests {
    @Test("cat /proc/self/status names the reader with the sandbox's ids")
    func selfStatus() throws {
        let script = "grep -E '^(Name|State|Uid|Gid|TracerPid|Seccomp):' /proc/self/status"
        let husk = try Husk.run(["/bin/sh", "-c", script])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == "Name:\tgrep\nState:\tR (running)\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nSeccomp:\t0\n", "\(husk)")
        let user = try Husk.run(["/bin/sh", "-c", "grep -E '^(Uid|Gid):' /proc/self/status"], options: ["--user", "1000:1000"])
        #expect(user.stdout == "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n", "\(user)")
    }

    @Test("ls -l /proc/self/fd and readlink /proc/self/exe")
    func fdAndExe() throws {
        let husk = try Husk.run(["/bin/sh", "-c", "exec 5</etc/hostname; ls /proc/self/fd | tr '\\n' ' '; echo; readlink /proc/self/exe; readlink /proc/$$/fd/5; cat /proc/$$/fdinfo/5 | head -2"])
        #expect(husk.status == 0, "\(husk)")
        let lines = husk.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(husk)")
        // ls itself holds 0, 1, 2, 5 (inherited) and the directory it reads (3).
        #expect(lines.first == "0 1 2 3 5 ", "\(husk)")
        #expect(lines.dropFirst().first == "/usr/bin/readlink", "\(husk)")
        #expect(lines.dropFirst(2).first == "/etc/hostname", "\(husk)")
        #expect(lines.dropFirst(3).first == "pos:\t0", "\(husk)")
        #expect(lines.dropFirst(4).first == "flags:\t0100000", "\(husk)")
    }

    @Test("ps -ef and ps aux list only the sandbox's processes")
    func ps() throws {
        // ps runs once the background child is sleep, asleep (under load its exec may come
        // late); builtins only, so that ps is still pid 3.
        let wait = "until read c < /proc/$!/comm && [ \"$c\" = sleep ] && { while read k v r; do [ \"$k\" = State: ] && break; done < /proc/$!/status; [ \"$v\" = S ]; }; do :; done"
        let husk = try Husk.run(["/bin/sh", "-c", "sleep 3 & \(wait); ps -e -o pid=,ppid=,stat=,comm=; ps aux | wc -l; kill $!"])
        #expect(husk.status == 0, "\(husk)")
        let rows = husk.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.count == 4, "\(husk)")
        guard rows.count == 4 else { return }
        // init leads its own session ("s"), as a container's init does.
        #expect(rows[0] == ["1", "0", "Ss", "sh"], "\(husk)")
        #expect(rows[1] == ["2", "1", "S", "sleep"], "\(husk)")
        #expect(rows[2] == ["3", "1", "R", "ps"], "\(husk)")
        #expect(rows[3] == ["5"], "ps aux: a header, sh, sleep, ps and wc: \(husk)")
    }

    @Test("comm and the hostname sysctl are writable as Linux allows")
    func writableFiles() throws {
        let husk = try Husk.run(["/bin/sh", "-c", "printf renamed > /proc/self/comm; cat /proc/$$/comm; echo box > /proc/sys/kernel/hostname; hostname; cat /proc/sys/kernel/hostname"])
        #expect(husk.stdout == "renamed\nbox\nbox\n", "\(husk)")
        let user = try Husk.run(["/bin/sh", "-c", "echo box > /proc/sys/kernel/hostname || echo refused"], options: ["--user", "1000:1000"])
        #expect(user.stdout == "refused\n", "\(user)")
    }

    @Test("the global files have the native shape")
    func globalFiles() throws {
        let script = "head -c 9 /proc/meminfo; echo; head -c 4 /proc/stat; echo; cut -c1-13 /proc/version; cat /proc/sys/kernel/ostype /proc/sys/fs/pipe-max-size; grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online"
        let native = try Husk.runNative(["/bin/sh", "-c", script])
        let husk = try Husk.run(["/bin/sh", "-c", script])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == native.stdout, "native: \(native.stdout)\nhusk: \(husk.stdout)")
    }
}
