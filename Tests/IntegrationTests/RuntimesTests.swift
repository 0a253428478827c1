// Programs from other language runtimes: a static musl program and a Go program with
// goroutines on several threads and asynchronous preemption (SIGURG between threads).
import Foundation
import Testing

@Suite("Other runtimes (musl, Go)", .serialized)
struct RuntimesTests {
    /// Compiled programs go where the sandbox's default root shows them (the host's /usr).
    static let dir = "/usr/local/libexec/husk-runtimes"

    static func build(_ name: String, source: String, ext: String, _ compile: (String, String) -> [String]) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let src = NSTemporaryDirectory() + "husk-\(name).\(ext)"
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let out = dir + "/" + name
        let r = try run(compile(src, out), timeout: 300)
        #expect(r.status == 0, "build \(name): \(r)")
        return out
    }

    @Test("a static musl program with a thread runs as natively")
    func musl() throws {
        let prog = try Self.build("musl-threads", source: """
            #include <pthread.h>
            #include <stdio.h>
            #include <unistd.h>
            static void *work(void *a) { return (void *)((long)a * 3); }
            int main(void) {
                pthread_t t[4]; long sum = 0;
                for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, work, (void *)i);
                for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); sum += (long)r; }
                printf("musl sum %ld, pid>0 %d\\n", sum, getpid() > 0);
                return 3;
            }
            """, ext: "c") { src, out in ["/usr/bin/musl-gcc", "-static", "-O1", "-o", out, src] }
        let native = try Husk.runNative(["/bin/sh", "-c", prog])
        let inside = try Husk.run(["/bin/sh", "-c", prog])
        #expect(native.status == 3 && native.stdout == "musl sum 18, pid>0 1\n", "\(native)")
        #expect(inside.status == native.status && inside.stdout == native.stdout, "\(inside)")
    }

    @Test("a Go program: goroutines across threads, channels, preemption of a tight loop")
    func go() throws {
        let prog = try Self.build("go-goroutines", source: """
            package main

            import (
                "fmt"
                "os"
                "runtime"
                "sync"
                "time"
            )

            func fib(n int) int {
                if n < 2 {
                    return n
                }
                return fib(n-1) + fib(n-2)
            }

            func main() {
                runtime.GOMAXPROCS(4)
                var wg sync.WaitGroup
                results := make([]int, 8)
                for i := 0; i < 8; i++ {
                    wg.Add(1)
                    go func(i int) { defer wg.Done(); results[i] = fib(22 + i%3) }(i)
                }
                // Only asynchronous preemption (SIGURG sent between threads) lets the timer
                // goroutine run while this loop spins with GOMAXPROCS(1).
                runtime.GOMAXPROCS(1)
                stop := make(chan bool)
                go func() { time.Sleep(50 * time.Millisecond); stop <- true }()
                spins := 0
                deadline := time.Now().Add(5 * time.Second)
                for done := false; !done; {
                    select {
                    case <-stop:
                        done = true
                    default:
                        spins++
                        if time.Now().After(deadline) { fmt.Println("no preemption"); os.Exit(1) }
                    }
                }
                wg.Wait()
                ch := make(chan int)
                go func() { for i := 0; i < 1000; i++ { ch <- i }; close(ch) }()
                sum := 0
                for v := range ch { sum += v }
                fmt.Println(results, sum, spins > 0)
            }
            """, ext: "go") { src, out in
            ["/usr/bin/env", "GOCACHE=/tmp/husk-gocache", "GOPATH=/tmp/husk-gopath", "HOME=/tmp", "/usr/bin/go", "build", "-o", out, src]
        }
        let native = try Husk.runNative(["/bin/sh", "-c", prog])
        let inside = try Husk.run(["/bin/sh", "-c", prog], timeout: 120)
        #expect(native.status == 0, "\(native)")
        #expect(inside.status == 0 && inside.stdout == native.stdout, "\(inside)")
    }
}
