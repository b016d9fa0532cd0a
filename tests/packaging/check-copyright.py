#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-copyright.py ROOT: debian/copyright agrees with the SPDX lines.

For every file of the tree (read from stdin, one path per line, relative to
ROOT), finds the last Files: paragraph of ROOT/debian/copyright that
matches it, as the copyright format says, and compares that paragraph's
License with the file's SPDX-License-Identifier. Files without such a line
(license texts, VERSION, ...) are not compared. Prints one line per
mismatch and exits 1 if there is any.
"""
import fnmatch
import re
import sys

# The copyright format's short names, as SPDX expressions (normalised: no
# parentheses, spaces collapsed, upper case).
DEP5_TO_SPDX = {
    "Expat": "MIT",
    "LGPL-2.1+ or BSD-2-clause": "LGPL-2.1-OR-LATER OR BSD-2-CLAUSE",
    "GPL-2": "GPL-2.0-ONLY",
    "GPL-2 with Linux-syscall-note exception or Expat":
        "GPL-2.0-ONLY WITH LINUX-SYSCALL-NOTE OR MIT",
    "GPL-2 with Linux-syscall-note exception or BSD-3-clause":
        "GPL-2.0-ONLY WITH LINUX-SYSCALL-NOTE OR BSD-3-CLAUSE",
}


def norm(expr):
    expr = expr.replace("(", " ").replace(")", " ").upper()
    expr = " ".join(expr.split())
    # GPL-2.0 is the deprecated SPDX identifier of GPL-2.0-only.
    return re.sub(r"\bGPL-2\.0(?![-+\w])", "GPL-2.0-ONLY", expr)


def paragraphs(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for block in re.split(r"\n\s*\n", text):
        fields = {}
        key = None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
        if "files" in fields:
            yield fields["files"].split(), fields["license"].splitlines()[0].strip()


def main():
    root = sys.argv[1]
    paras = list(paragraphs(root + "/debian/copyright"))
    bad = 0
    for path in sys.stdin.read().splitlines():
        if not path:
            continue
        try:
            with open(root + "/" + path, encoding="utf-8", errors="replace") as f:
                head = f.read(2048)
        except (IsADirectoryError, FileNotFoundError):
            continue
        m = re.search(r"SPDX-License-Identifier:\s*(.+?)\s*(\*/|-->)?\s*$", head, re.M)
        if not m:
            continue
        spdx = norm(m.group(1))
        lic = None
        for patterns, license_ in paras:
            # The format's "*" also matches "/".
            if any(fnmatch.fnmatchcase(path, p) for p in patterns):
                lic = license_
        if lic is None:
            print(f"{path}: no Files: paragraph matches")
            bad += 1
            continue
        want = DEP5_TO_SPDX.get(lic)
        if want is None:
            print(f"{path}: License '{lic}' of debian/copyright is not known to this check")
            bad += 1
        elif norm(want) != spdx:
            print(f"{path}: SPDX '{m.group(1)}' but debian/copyright says '{lic}'")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
