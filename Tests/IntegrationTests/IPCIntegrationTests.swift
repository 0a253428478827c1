// System V IPC and POSIX shared memory under husk run: ipcmk, ipcs and ipcrm on the sandbox's
// IPC namespace, and Python's multiprocessing.shared_memory across processes.

import Glibc
import Testing

@Suite struct IPCIntegrationTests {
    @Test("ipcmk creates, ipcs lists, ipcrm removes, inside the sandbox only")
    func ipcsTools() throws {
        let script = """
            ipcmk -M 4096 -p 0600 >/dev/null; ipcmk -S 2 >/dev/null; ipcmk -Q >/dev/null
            ipcs -m | grep -c '^0x'; ipcs -s | grep -c '^0x'; ipcs -q | grep -c '^0x'
            ipcs -m | awk '/^0x/ {print $4, $5}'
            ipcrm -a; ipcs | grep -c '^0x'
            ipcs -l | grep 'max ops per semop call'
            """
        let husk = try Husk.run(["/bin/sh", "-c", script])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == "1\n1\n1\n600 4096\n0\nmax ops per semop call = 500\n", "\(husk)")
    }

    @Test("multiprocessing.shared_memory: a child process writes, the parent reads")
    func pythonSharedMemory() throws {
        let program = """
            from multiprocessing import shared_memory, Process
            def child(name):
                s = shared_memory.SharedMemory(name=name)
                s.buf[:5] = b'husk!'
                s.close()
            s = shared_memory.SharedMemory(create=True, size=8192)
            p = Process(target=child, args=(s.name,))
            p.start(); p.join()
            print(bytes(s.buf[:5]).decode(), p.exitcode)
            s.close(); s.unlink()
            """
        let husk = try Husk.run(["python3", "-c", program])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == "husk! 0\n", "\(husk)")
    }
}
