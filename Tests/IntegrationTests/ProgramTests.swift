// Real programs run natively and inside husk: stdout and exit status must be the same.
import Testing

/// A dash script that exercises variables, a loop, a function, `case`, command substitution,
/// pipes, sourcing a file and external commands; it exits 3.
let dashScript = #"""
set -e
greet() { printf 'hello %s\n' "$1"; }
total=0
for i in 1 2 3 4 5; do
  total=$((total + i))
  case $i in
    1) greet one ;;
    [23]) echo "small $i" ;;
    *) echo "big $i" ;;
  esac
done
echo "total=$total"
upper=$(echo abc | tr a-c A-C)
echo "upper=$upper"
ls /usr/share/base-files | sort | head -n 3
if [ -r /etc/os-release ]; then . /etc/os-release; echo "id=$ID"; fi
wc -l < /etc/os-release
count=0
while [ $count -lt 3 ]; do count=$((count + 1)); done
echo "count=$count"
exit 3
"""#

@Suite("Programs: native vs husk", .serialized)
struct ProgramTests {
    static let programs: [[String]] = [
        ["/bin/echo", "hello", "world"],
        ["/bin/cat", "/etc/os-release"],
        ["/bin/ls", "-la", "/usr/bin"],
        ["/bin/busybox", "sh", "-c", "echo $((6*7))"],
        ["/bin/sh", "-c", dashScript],
        // man-db confines its pipeline (preconv, groff…) with its own seccomp allow-list filter.
        // -l formats the page itself (no cat-page cache, which a native run as root may write).
        ["/bin/sh", "-c", "MANWIDTH=80 man -P cat -l /usr/share/man/man1/ls.1.gz"],
    ]

    @Test("same stdout and exit status", arguments: programs)
    func sameAsNative(_ argv: [String]) throws {
        let native = try Husk.runNative(argv)
        #expect(native.status == (argv.last == dashScript ? 3 : 0), "native run: \(native)")
        #expect(!native.stdout.isEmpty)
        let husk = try Husk.run(argv)
        #expect(husk.status == native.status, "husk: \(husk)")
        #expect(husk.stdout == native.stdout, "husk stdout differs:\n\(husk)\n--- native\n\(native.stdout)")
        #expect(!husk.timedOut)
    }

    @Test("busybox arithmetic prints 42")
    func busyboxArithmetic() throws {
        let husk = try Husk.run(["/bin/busybox", "sh", "-c", "echo $((6*7))"])
        #expect(husk.stdout == "42\n", "\(husk)")
        #expect(husk.status == 0)
    }

    @Test("/etc/shadow is absent inside")
    func shadowHidden() throws {
        let husk = try Husk.run(["/bin/cat", "/etc/shadow"])
        #expect(husk.status != 0, "\(husk)")
        #expect(husk.stdout.isEmpty, "\(husk)")
        #expect(husk.stderr.contains("No such file"), "\(husk)")
    }
}
