#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Recount the hunk headers of a unified diff edited by hand, in place."""
import re
import sys

def fix(path):
    lines = open(path).read().split('\n')
    out, i, shift = [], 0, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('--- '):
            shift = 0
        m = re.match(r'^@@ -(\d+),(\d+) \+(\d+),(\d+) @@(.*)$', line)
        if not m:
            out.append(line)
            i += 1
            continue
        old_start, new_start = int(m.group(1)), int(m.group(3))
        j, old, new = i + 1, 0, 0
        while j < len(lines) and lines[j][:1] in (' ', '-', '+', '\\') and \
                not lines[j].startswith(('--- ', '+++ ')):
            c = lines[j][:1]
            if c in (' ', '-'):
                old += 1
            if c in (' ', '+'):
                new += 1
            j += 1
        out.append('@@ -%d,%d +%d,%d @@%s' % (old_start, old, old_start + shift, new, m.group(5)))
        shift += new - old
        out.extend(lines[i + 1:j])
        i = j
    open(path, 'w').write('\n'.join(out))

for p in sys.argv[1:]:
    fix(p)
