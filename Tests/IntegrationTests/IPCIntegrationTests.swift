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

    @Test("POSIX message queues in /dev/mqueue: ls lists them, cat gives the QSIZE line, rm removes one")
    func mqueueFilesystem() throws {
        // ctypes calls the libc's mq_open and mq_send, which the Sentry serves.
        let program = """
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            q = libc.mq_open(b"/husk-it", os.O_CREAT | os.O_RDWR, 0o640, None)
            assert q >= 0, os.strerror(ctypes.get_errno())
            for text, prio in ((b"hello", 1), (b"world!!", 3)):
                assert libc.mq_send(q, text, len(text), prio) == 0
            """
        let script = """
            python3 -c '\(program)' || exit 1
            touch /dev/mqueue/husk-touched
            ls /dev/mqueue; cat /dev/mqueue/husk-it; stat -c '%a %s %F' /dev/mqueue/husk-it
            rm /dev/mqueue/husk-it; ls /dev/mqueue; cat /proc/sys/fs/mqueue/msg_max
            grep -c '^mqueue /dev/mqueue mqueue ' /proc/mounts
            """
        let husk = try Husk.run(["/bin/sh", "-c", script])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == """
            husk-it
            husk-touched
            QSIZE:12         NOTIFY:0     SIGNO:0     NOTIFY_PID:0     
            640 80 regular file
            husk-touched
            10
            1

            """, "\(husk)")
    }
}
