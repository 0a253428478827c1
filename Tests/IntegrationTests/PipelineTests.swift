// Shell pipelines, command substitution and background jobs: same stdout and status as native.
import Testing

@Suite("Pipelines: native vs husk", .serialized)
struct PipelineTests {
    static let scripts: [(script: String, expected: String)] = [
        ("seq 1 100000 | sort -rn | head -3", "100000\n99999\n99998\n"),
        ("yes | head -1", "y\n"),
        // yes dies of SIGPIPE once head is gone: the status of the left side is 128+13.
        ("exec 3>&1; s=$( { { yes; echo \"yes=$?\" >&3; } | head -1 >/dev/null; } 3>&1 ); echo \"$s\"", "yes=141\n"),
        ("echo $(echo a; echo b)", "a b\n"),
        ("for i in $(seq 50); do echo $i; done | wc -l", "50\n"),
        ("sleep 0.1 & echo started; wait $!; echo $?", "started\n0\n"),
        ("head -c 3000000 /dev/zero | cat | cat | wc -c", "3000000\n"),
        ("printf 'b\\na\\nc\\n' | sort | tr a-z A-Z | tac", "C\nB\nA\n"),
        // `> /dev/stderr` when stderr is a pipe (O_CREAT|O_TRUNC through /proc/self/fd/2).
        ("{ echo x > /dev/stderr; echo y >> /dev/fd/2; } 2>&1 | cat", "x\ny\n"),
        // The working directory follows a rename of it (getcwd through /bin/pwd).
        ("d=$(mktemp -d) && cd \"$d\" && mv \"$d\" \"$d.moved\" && /bin/pwd | sed \"s|^$d|D|\"; rmdir \"$d.moved\"", "D.moved\n"),
    ]

    @Test("same stdout and exit status", arguments: 0..<scripts.count)
    func sameAsNative(_ i: Int) throws {
        let (script, expected) = Self.scripts[i]
        let argv = ["/bin/sh", "-c", script]
        let native = try Husk.runNative(argv)
        #expect(native.stdout == expected, "native run: \(native)")
        let husk = try Husk.run(argv, timeout: 60)
        #expect(!husk.timedOut, "\(husk)")
        #expect(husk.status == native.status, "husk: \(husk)")
        #expect(husk.stdout == native.stdout, "husk stdout differs:\n\(husk)\n--- native\n\(native.stdout)")
    }

}
