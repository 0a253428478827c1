#!/usr/bin/env python3
# Refreshes the allowed-syscall tables of docs/security.md from the files
# Tests/SandboxTests/ConfinementTests.swift writes to /tmp when they differ.
import re, sys
doc = open('docs/security.md').read()
for part, title in [('sentry', 'Allowed host syscalls of the Sentry'), ('gofer', 'Allowed host syscalls of the Gofer with a read-only view'),
                    ('gofer-rw', 'Added when part of the view is writable')]:
    try: table = open('/tmp/husk-security-%s.md' % part).read()
    except FileNotFoundError: continue
    n = table.count('\n') - 2
    start = doc.index(title)
    tstart = doc.index('| syscall | reason |', start)
    tend = doc.find('\n\n', tstart)
    tend = len(doc) if tend < 0 else tend + 1
    head = re.sub(r'\((\d+)(, \d+ in all)?\):', lambda m: '(%d%s):' % (n, m.group(2) or ''), doc[start:tstart], count=1)
    doc = doc[:start] + head + table + doc[tend:]
open('docs/security.md', 'w').write(doc)
