// husk run -it under a real terminal (a tmux pane, tmux being installed by scripts/setup.sh),
// and terminals made inside the sandbox without -t (script, Python's pty module).
import Foundation
import Glibc
import Testing

/// One tmux session running `husk run -it -- PROGRAM`, then printing its exit status.
final class TmuxSession {
    let name = "husk-tty-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"

    init(_ huskArgs: [String], width: Int = 100, height: Int = 30) throws {
        let command = huskArgs.map { "'\($0)'" }.joined(separator: " ") + "; echo HUSK-EXIT=$?; sleep 60"
        let r = try IntegrationTests.run(["/usr/bin/tmux", "new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), command], timeout: 20)
        guard r.status == 0 else { throw SpawnError(description: "tmux: \(r)") }
    }

    deinit { _ = try? IntegrationTests.run(["/usr/bin/tmux", "kill-session", "-t", name], timeout: 20) }

    func keys(_ k: String...) throws { _ = try IntegrationTests.run(["/usr/bin/tmux", "send-keys", "-t", name] + k, timeout: 20) }
    func type(_ line: String) throws { try keys("-l", line); try keys("Enter") }

    var screen: String { (try? IntegrationTests.run(["/usr/bin/tmux", "capture-pane", "-p", "-t", name], timeout: 20).stdout) ?? "" }

    /// Waits until the pane shows `text` (`count` times); returns whether it did.
    @discardableResult
    func wait(for text: String, count: Int = 1, seconds: Double = 20) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if screen.components(separatedBy: text).count - 1 >= count { return true }
            usleep(100_000)
        }
        return false
    }
}

@Suite("Terminals", .serialized)
struct TerminalTests {
    func tmuxPresent() -> Bool { access("/usr/bin/tmux", X_OK) == 0 }

    @Test func bashUnderDashIt() throws {
        try #require(tmuxPresent(), "tmux is installed by scripts/setup.sh")
        let s = try TmuxSession([try Husk.require(), "run", "-it", "--", "/bin/bash", "--norc", "--noprofile"])
        #expect(s.wait(for: "bash-"), "a prompt: \(s.screen)")
        try s.type("echo sum=$((6*7)); tty")
        #expect(s.wait(for: "sum=42") && s.wait(for: "/dev/pts/0"), "\(s.screen)")
        // Ctrl-C interrupts the foreground job only.
        try s.type("sleep 100")
        usleep(700_000)
        try s.keys("C-c")
        try s.type("echo alive-$?")
        #expect(s.wait(for: "alive-130"), "\(s.screen)")
        // Ctrl-D ends cat, not the shell.
        try s.type("cat")
        usleep(300_000)
        try s.type("typed-line")
        #expect(s.wait(for: "typed-line", count: 2), "echo and cat's copy: \(s.screen)")
        try s.keys("C-d")
        try s.type("echo after-cat")
        #expect(s.wait(for: "after-cat", count: 2), "\(s.screen)")
        // Ctrl-Z stops the job, fg resumes it.
        try s.type("clear; sleep 100")
        usleep(700_000)
        try s.keys("C-z")
        #expect(s.wait(for: "Stopped"), "\(s.screen)")
        try s.type("fg")
        usleep(500_000)
        try s.keys("C-c")
        try s.type("stty -a | head -1; stty size")
        #expect(s.wait(for: "rows 30; columns 100") && s.wait(for: "30 100"), "\(s.screen)")
        try s.type("exit 3")
        #expect(s.wait(for: "HUSK-EXIT=3"), "\(s.screen)")
    }

    @Test func lineEditingAndFullScreenPrograms() throws {
        try #require(tmuxPresent(), "tmux is installed by scripts/setup.sh")
        let s = try TmuxSession([try Husk.require(), "run", "-it", "-e", "TERM=xterm", "--", "/bin/bash", "--norc", "--noprofile"])
        #expect(s.wait(for: "bash-"), "a prompt: \(s.screen)")
        // readline: history with the Up arrow, completion with Tab.
        try s.type("echo first-line")
        #expect(s.wait(for: "first-line", count: 2), "\(s.screen)")
        try s.keys("Up")
        try s.keys("Enter")
        #expect(s.wait(for: "first-line", count: 4), "history recalled: \(s.screen)")
        try s.keys("-l", "ech")
        try s.keys("Tab")
        try s.type("tab-completed")   // completion added "echo "
        #expect(s.wait(for: "echo tab-completed") && s.wait(for: "tab-completed", count: 2), "\(s.screen)")
        // The Python REPL.
        try s.type("clear; python3 -q")
        #expect(s.wait(for: ">>>"), "\(s.screen)")
        try s.type("6*7")
        #expect(s.wait(for: "42"), "\(s.screen)")
        try s.type("exit()")
        try s.type("clear; top -b -n1 | head -8")
        #expect(s.wait(for: "PID"), "\(s.screen)")
        // less pages a file and quits on q.
        try s.type("clear; less /etc/os-release")
        #expect(s.wait(for: "PRETTY_NAME"), "\(s.screen)")
        try s.keys("q")
        try s.type("echo less-done")
        #expect(s.wait(for: "less-done", count: 2), "\(s.screen)")
        // vim takes keys, follows a resize, and writes its file.
        try s.type("clear; vim -u NONE -N /tmp/husk-vim.txt")
        #expect(s.wait(for: "[New]"), "vim drew its screen: \(s.screen)")
        try s.keys("-l", "ihello-vim")
        try s.keys("Escape")
        _ = try IntegrationTests.run(["/usr/bin/tmux", "resize-window", "-t", s.name, "-x", "90", "-y", "25"], timeout: 20)
        usleep(500_000)
        try s.type(":echo 'cols=' . &columns")
        #expect(s.wait(for: "cols=90"), "vim saw the resize: \(s.screen)")
        try s.type(":wq")
        // Keys typed before vim has exited would be read (and dropped) by vim.
        #expect(s.wait(for: "bash-5.2#"), "back at the prompt: \(s.screen)")
        try s.type("clear; cat /tmp/husk-vim.txt; echo cat-$((1+1))")
        #expect(s.wait(for: "hello-vim\ncat-2"), "\(s.screen)")
        try s.type("exit 0")
        #expect(s.wait(for: "HUSK-EXIT=0"), "\(s.screen)")
    }

    @Test func dashPromptAndWindowSize() throws {
        try #require(tmuxPresent(), "tmux is installed by scripts/setup.sh")
        let s = try TmuxSession([try Husk.require(), "run", "-it", "--", "/bin/sh"])
        #expect(s.wait(for: "#"), "dash's prompt: \(s.screen)")
        #expect(!s.screen.contains("job control turned off"), "\(s.screen)")
        _ = try IntegrationTests.run(["/usr/bin/tmux", "resize-window", "-t", s.name, "-x", "90", "-y", "25"], timeout: 20)
        usleep(500_000)
        try s.type("stty size")
        #expect(s.wait(for: "25 90"), "\(s.screen)")
        try s.type("exit 4")
        #expect(s.wait(for: "HUSK-EXIT=4"), "\(s.screen)")
    }

    @Test func scriptRunsACommandOnAPty() throws {
        // script(1) allocates a pty and waits with signalfd4 and poll.
        let r = try Husk.run(["/usr/bin/script", "-qc", "tty; stty -a", "/dev/null"])
        #expect(r.status == 0 && r.stdout.contains("/dev/pts/") && r.stdout.contains("speed 38400 baud"), "\(r)")
    }

    @Test func ptysInsideWithoutDashT() throws {
        let py = """
        import os, pty
        pid, fd = pty.fork()
        if pid == 0:
            os.execv("/bin/sh", ["sh", "-c", "tty; stty -a; echo child-ok"])
        out = b""
        while True:
            try: d = os.read(fd, 1024)
            except OSError: break
            if not d: break
            out += d
        print(out.decode().replace("\\r", ""), "status", os.waitpid(pid, 0)[1])
        m, s = os.openpty()
        os.write(m, b"abc\\n")
        print("slave read", os.read(s, 10))
        """
        let p = try Husk.run(["/usr/bin/python3", "-c", py])
        #expect(p.status == 0 && p.stdout.contains("/dev/pts/") && p.stdout.contains("child-ok") && p.stdout.contains("status 0")
                && p.stdout.contains("speed 38400 baud") && p.stdout.contains(" icanon"), "\(p)")
        #expect(p.stdout.contains("slave read b'abc\\n'"), "\(p)")
        // Without -t the stdio are pipes: not a terminal.
        let t = try Husk.run(["/bin/sh", "-c", "test -t 0; echo tty=$?; exec 2>&1; stty -a < /dev/tty || true"])
        #expect(t.stdout.contains("tty=1"), "\(t)")
    }
}
