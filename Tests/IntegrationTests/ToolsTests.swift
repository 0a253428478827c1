// Real tools inside the sandbox, each compared with the same steps run natively: python3 with
// sqlite3 in WAL mode (fcntl locks, shared mmap of the -shm file), gcc, git and make in /tmp.

import Glibc
import Testing

@Suite struct ToolsTests {
    /// Runs `script` natively and under husk; both must succeed with the same stdout.
    func compare(_ script: String, timeout: Double = 120) throws {
        let native = try Husk.runNative(["/bin/sh", "-c", script], timeout: timeout)
        let husk = try Husk.run(["/bin/sh", "-c", script], timeout: timeout)
        #expect(native.status == 0, "native: \(native)")
        #expect(husk.status == native.status, "husk: \(husk)")
        #expect(husk.stdout == native.stdout, "native: \(native.stdout)\nhusk: \(husk.stdout)\n\(husk)")
    }

    @Test("python3: os, json, sqlite3 (WAL, 10,000 rows in /tmp), tempfile, subprocess")
    func pythonSqlite() throws {
        let program = """
            import os, json, sqlite3, tempfile, subprocess, shutil
            d = tempfile.mkdtemp(dir="/tmp")
            db = sqlite3.connect(os.path.join(d, "t.db"))
            print(db.execute("pragma journal_mode=wal").fetchone()[0])
            db.execute("create table t(i integer primary key, s text)")
            with db:
                db.executemany("insert into t(s) values (?)", ((json.dumps({"n": i}),) for i in range(10000)))
            other = sqlite3.connect(os.path.join(d, "t.db"))
            print(db.execute("select count(*), sum(length(s)) from t").fetchone(), other.execute("select max(i) from t").fetchone())
            with other:
                other.execute("delete from t where i % 2 = 0")
            print(db.execute("select count(*) from t").fetchone()[0])
            db.close(); other.close()
            print(subprocess.run(["sh", "-c", "echo sub $((6*7))"], capture_output=True, text=True).stdout.strip())
            print(sorted(os.listdir(d)))
            shutil.rmtree(d)
            """
        try compare("/usr/bin/python3 -c '\(program)'")
    }

    @Test("gcc compiles hello.c in /tmp and the result runs")
    func gccHello() throws {
        try compare("""
            d=$(mktemp -d /tmp/husk-gcc.XXXXXX) && cd $d && printf '#include <stdio.h>\\nint main(void){printf("hello %d\\\\n", 6*7);return 0;}\\n' > hello.c && \
            gcc -O2 -o hello hello.c && ./hello && cd / && rm -r $d
            """)
    }

    @Test("git init, add, commit and log in /tmp")
    func git() throws {
        try compare("""
            d=$(mktemp -d /tmp/husk-git.XXXXXX) && cd $d && export GIT_PAGER=cat GIT_AUTHOR_DATE='2001-02-03T04:05:06Z' GIT_COMMITTER_DATE='2001-02-03T04:05:06Z' && \
            git init -q -b main . && for i in 1 2 3 4 5; do echo "file $i" > f$i.txt; done && mkdir sub && echo deep > sub/d.txt && \
            git -c user.name=husk -c user.email=husk@example.com add . && \
            git -c user.name=husk -c user.email=husk@example.com commit -q -m first && \
            echo more >> f1.txt && git -c user.name=husk -c user.email=husk@example.com commit -q -am second && \
            git log --format='%H %s' && git status --short && git ls-files && cd / && rm -rf $d
            """)
    }

    @Test("make builds a small Makefile")
    func make() throws {
        try compare("""
            d=$(mktemp -d /tmp/husk-make.XXXXXX) && cd $d && printf 'all: out.txt\\nout.txt: in.txt\\n\\tcp in.txt out.txt\\n\\techo built\\n' > Makefile && \
            echo data > in.txt && make -s && make -s && touch -d '2030-01-01' in.txt && make -s && cat out.txt && cd / && rm -r $d
            """)
    }
}
