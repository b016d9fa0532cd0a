#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of the VM tier; tests/vm/run.sh calls it.

  vmtest.py initramfs BUILD-DIR KO INIT OUT-DIR SUITE...
      Writes OUT-DIR/initramfs.gz: busybox, the test programs of the VM
      SUITEs (see SUITES: each runs a meson suite in an environment) with
      every library they load, the module and INIT as /init,
      plus /vmtest/plan.sh (what INIT runs) and OUT-DIR/expected (the result
      IDs the console must show).
  vmtest.py tee LOG
      Copies the VM's console from stdin to LOG and shows progress.
  vmtest.py parse LOG EXPECTED SUMMARY [NOTE]
      Counts results and kernel-log findings, prints what failed, writes the
      summary line to SUMMARY; exit status 1 if anything failed. NOTE says
      why the VM stopped, if the host knows (a timeout).
"""

import gzip
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time

# What each suite needs in the guest, beyond the environment meson gives it.
# api: the public-API suite, unchanged, against the kernel module.
# uapi: raw ioctls of /dev/iodirty; no library backend involved.
# ctl: iodirty-ctl's own tests with --backend kmod. "demo" runs device
#   threads doing DMA writes through the module while the main thread
#   harvests dirty pages, then checks the copy byte for byte: the one
#   end-to-end, concurrent use of the module (lockdep sees real contention).
#   These scripts cannot skip on their own, so they need /dev/iodirty.
# api-iommufd: the same public-API programs (meson suite "api") against
#   the iommufd backend, with no device attached: every test must pass or
#   skip by the backend's caps.
# iommufd: the iommufd backend with mock devices of the kernel's selftest
#   mock IOMMU (CONFIG_IOMMUFD_TEST); the programs skip on their own
#   without it.
# nl: the module's generic netlink family and iodirty-ctl list, show,
#   monitor and top, with processes of several uids.
# uapi-fuzz: the uAPI fuzzer (tests/uapi/fuzz_uapi.c); the host's
#   IODIRTY_UAPI_FUZZ_* variables, if set, are passed on to it ("passenv"),
#   and its timeout grows with IODIRTY_UAPI_FUZZ_SECONDS.
# "meson" names the meson suite whose tests a VM suite runs (default: the
# VM suite's own name); result IDs are VM-SUITE/TEST. "kconfig" names the
# kernel option a suite cannot run without: on a kernel built without it
# each of its tests is one skip, with the reason (iommufd came with 6.2).
SUITES = {
    "api": {"env": {"IODIRTY_BACKEND": "kmod"}, "needs": "-"},
    "api-iommufd": {"meson": "api", "env": {"IODIRTY_BACKEND": "iommufd"},
                    "needs": "-", "kconfig": "CONFIG_IOMMUFD"},
    "iommufd": {"env": {}, "needs": "-", "kconfig": "CONFIG_IOMMUFD"},
    "uapi": {"env": {}, "needs": "-"},
    "ctl": {"env": {"IODIRTY_CTL_TEST_BACKEND": "kmod"}, "needs": "/dev/iodirty"},
    "nl": {"env": {}, "needs": "/dev/iodirty"},
    "uapi-fuzz": {"env": {}, "needs": "-",
                  "passenv": ["IODIRTY_UAPI_FUZZ_SECONDS",
                              "IODIRTY_UAPI_FUZZ_CALLS",
                              "IODIRTY_UAPI_FUZZ_THREADS",
                              "IODIRTY_UAPI_FUZZ_SEED"]},
}

# Kernel-log lines that fail the run. The kernel prints these for WARN(),
# BUG(), oopses, lockdep and RCU-lockdep reports, might_sleep() in atomic
# context, refcount and list corruption, stalls and panics.
KERNEL_FINDINGS = re.compile(
    r"\bBUG\b|\bWARNING\b|\bOops\b|cut here|Call Trace|general protection"
    r"|possible recursive locking|circular locking dependency"
    r"|inconsistent lock state|DEBUG_LOCKS_WARN_ON|\bINFO: "
    r"|suspicious RCU usage|sleeping function called from invalid context"
    r"|kmemleak|Kernel panic|Unable to handle|refcount_t: "
    r"|list_(add|del) corruption|\bUBSAN\b|\bKASAN\b|rcu.*stall"
)

RESULT = re.compile(r"@@VMTEST (\S+) (PASS|FAIL|SKIP) (-?\d+)(?: (.*))?$")
OUTPUT = re.compile(r"@@VMTEST-OUT (\S+)")
START = re.compile(r"@@VMTEST-START (\S+)")
ABORT = re.compile(r"@@VMTEST-ABORT (\S+)")
KLOG = re.compile(r"@@VMTEST-KLOG (\S+)")
KLOG_END = re.compile(r"@@VMTEST-KLOG-END (\S+)")
UPSTREAM = re.compile(r"upstream defect (\S+ \([^)]*\)): .*")
BOOTED = "@@VMTEST-BOOTED"
END = "@@VMTEST-END"

MAX_LINES = 200  # of one failed test's output or one kernel log shown


def die(msg):
    print(f"vmtest: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------
# initramfs
# ---------------------------------------------------------------------------
class Initramfs:
    """A newc cpio archive built in memory: no root needed for /dev/console,
    every file owned by root, paths exactly as the guest sees them."""

    def __init__(self):
        self.entries = {}  # guest path -> (kind, data, mode)

    def _parents(self, path):
        d = os.path.dirname(path)
        while d not in ("/", ""):
            if d not in self.entries:
                self.entries[d] = ("dir", None, 0o755)
            d = os.path.dirname(d)

    def add(self, path, kind, data=None, mode=0o644):
        if path in self.entries:
            return
        self._parents(path)
        self.entries[path] = (kind, data, mode)

    def add_file(self, path, host_path=None):
        host_path = host_path or path
        mode = stat.S_IMODE(os.stat(host_path).st_mode)
        self.add(path, "file", host_path, mode)

    def write(self, out):
        ino = 1

        def header(name, mode, size, rdev=(0, 0), nlink=1):
            nonlocal ino
            name_b = name.encode() + b"\0"
            fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1],
                      len(name_b), 0]
            ino += 1
            h = b"070701" + b"".join(b"%08X" % f for f in fields) + name_b
            return h + b"\0" * (-len(h) % 4)

        def pad(n):
            return b"\0" * (-n % 4)

        with gzip.open(out, "wb", compresslevel=6) as f:
            # Parents sort before their children.
            for path in sorted(self.entries):
                kind, data, mode = self.entries[path]
                name = path.lstrip("/")
                if kind == "dir":
                    f.write(header(name, stat.S_IFDIR | mode, 0, nlink=2))
                elif kind == "file":
                    with open(data, "rb") as src:
                        content = src.read()
                    f.write(header(name, stat.S_IFREG | mode, len(content)))
                    f.write(content + pad(len(content)))
                elif kind == "data":
                    f.write(header(name, stat.S_IFREG | mode, len(data)))
                    f.write(data + pad(len(data)))
                elif kind == "slink":
                    target = data.encode()
                    f.write(header(name, stat.S_IFLNK | 0o777, len(target)))
                    f.write(target + pad(len(target)))
                elif kind == "chr":
                    f.write(header(name, stat.S_IFCHR | mode, 0, rdev=data))
            f.write(header("TRAILER!!!", 0, 0, nlink=1))

    def listing(self):
        lines = []
        for path in sorted(self.entries):
            kind, data, _ = self.entries[path]
            extra = f" -> {data}" if kind == "slink" else ""
            lines.append(f"{kind:5} {path}{extra}")
        return "\n".join(lines) + "\n"


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def shebang(path):
    with open(path, "rb") as f:
        first = f.readline(256)
    if not first.startswith(b"#!"):
        return None
    return first[2:].decode(errors="replace").split()


def ldd(path):
    """Absolute paths of the shared objects PATH loads, the dynamic loader
    included; [] for a static executable."""
    p = subprocess.run(["ldd", path], capture_output=True, text=True,
                       check=False)
    if p.returncode != 0:
        if "not a dynamic executable" in p.stdout + p.stderr:
            return []
        die(f"ldd {path} failed: {p.stderr.strip()}")
    libs = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if "=> not found" in line:
            die(f"{path}: {line}")
        m = re.match(r"(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)$", line)
        if m:
            libs.append(m.group(1))
    return libs


class Stager:
    def __init__(self, rd, applets):
        self.rd = rd
        self.applets = applets  # busybox applet names

    def elf(self, path, guest_path=None):
        self.rd.add_file(guest_path or path, path)
        for lib in ldd(path):
            # The path ldd names is one the guest's loader searches (its
            # built-in system directories, the binary's RUNPATH, or
            # LD_LIBRARY_PATH), so the library goes exactly there.
            self.rd.add_file(lib, os.path.realpath(lib))

    def program(self, path):
        """A file the tests execute or read, staged at its own path."""
        if is_elf(path):
            self.elf(path)
            return
        self.rd.add_file(path)
        interp = shebang(path)
        if interp:
            # Scripts source helpers next to them (the ctl tests' lib.sh).
            d = os.path.dirname(path)
            for name in sorted(os.listdir(d)):
                sibling = os.path.join(d, name)
                if os.path.isfile(sibling) and not os.path.islink(sibling):
                    self.rd.add_file(sibling)
            if os.path.basename(interp[0]) == "env" and len(interp) > 1:
                self.command(interp[1])
            else:
                self.command(interp[0])

    def command(self, cmd):
        """A system command (an interpreter or a program's argv[0] outside
        the trees): busybox's applet when it has one, else the host's."""
        name = os.path.basename(cmd)
        if name in self.applets:
            if os.path.isabs(cmd):
                self.rd.add(cmd, "slink", "/bin/busybox")
            return
        host = cmd if os.path.isabs(cmd) else shutil.which(cmd)
        if not host or not os.path.isfile(host):
            die(f"command '{cmd}' is neither a busybox applet nor on this host")
        self.elf(os.path.realpath(host), host)


def meson_introspect(build, what):
    p = subprocess.run(["meson", "introspect", what, build],
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        die(f"meson introspect {what} {build}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def find_ctl(build):
    for t in meson_introspect(build, "--targets"):
        if t.get("name") == "iodirty-ctl" and t.get("type") == "executable":
            return t["filename"][0]
    return None


def cmd_initramfs(args):
    if len(args) < 5:
        die("usage: initramfs BUILD-DIR KO INIT OUT-DIR SUITE...")
    build, ko, init, out, suites = args[0], args[1], args[2], args[3], args[4:]
    build = os.path.realpath(build)
    try:
        with open(os.path.join(build, "meson-info", "meson-info.json"),
                  encoding="utf-8") as f:
            dirs = json.load(f)["directories"]
    except (OSError, ValueError, KeyError):
        die(f"{build} is not a configured meson build directory")
    trees = [os.path.realpath(dirs["build"]), os.path.realpath(dirs["source"])]
    mult = float(os.environ.get("IODIRTY_VM_TIMEOUT_MULTIPLIER", "1"))
    for s in suites:
        if s not in SUITES:
            die(f"unknown suite '{s}' (known: {' '.join(SUITES)})")

    busybox = shutil.which("busybox")
    if not busybox:
        die("busybox not found (apt-get install busybox-static)")
    applets = {}
    listing = subprocess.run([busybox, "--list-full"], capture_output=True,
                             text=True, check=True).stdout.split()
    for path in listing:
        applets.setdefault(os.path.basename(path), []).append("/" + path)

    rd = Initramfs()
    st = Stager(rd, applets)
    for d in ("/proc", "/sys", "/dev", "/root", "/vmtest"):
        rd.add(d, "dir", mode=0o755)
    rd.add("/tmp", "dir", mode=0o1777)
    # The kernel opens /dev/console for init before anything is mounted.
    rd.add("/dev/console", "chr", (5, 1), 0o600)
    rd.add("/etc/passwd", "data", b"root:x:0:0:root:/root:/bin/sh\n")
    rd.add("/etc/group", "data", b"root:x:0:\n")
    st.elf(os.path.realpath(busybox), "/bin/busybox")
    for name, paths in applets.items():
        for p in paths:
            rd.add(p, "slink", "/bin/busybox")
    # glibc loads libgcc_s at run time to unwind a thread that exits or is
    # cancelled; ldd cannot see that.
    ldconfig = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True,
                              text=True, check=False).stdout
    m = re.search(r"libgcc_s\.so\.1 \(libc6,x86-64\) => (\S+)", ldconfig)
    if m:
        rd.add_file(m.group(1), os.path.realpath(m.group(1)))

    rd.add("/init", "file", init, 0o755)
    ko_guest = "/vmtest/" + os.path.basename(ko)
    rd.add_file(ko_guest, ko)
    # The host depmod's modules.devname for the module (tests/vm/run.sh),
    # for the autoload test.
    devname = os.environ.get("IODIRTY_VM_MODULES_DEVNAME")
    if devname and os.path.isfile(devname):
        rd.add_file("/vmtest/modules.devname", devname)

    plan = []
    expected = ["vm/insmod", "vm/dev-node"]

    def plan_test(suite, t):
        tid = f"{suite}/{t['name']}"
        skip = SUITES[suite].get("kconfig")
        skip = (skip and missing_kconfig_note(skip)) or \
            old_kernel_note(t["name"])
        if skip:
            plan.append(" ".join(shlex.quote(x) for x in
                                 ["result", tid, "SKIP", "77", skip]))
            expected.append(tid)
            return
        cwd = os.path.realpath(t.get("workdir") or build)
        env = dict(t.get("env") or {})
        env.update(SUITES[suite]["env"])
        for name in SUITES[suite].get("passenv", []):
            if os.environ.get(name):
                env[name] = os.environ[name]
        argv = []
        for i, a in enumerate(t["cmd"]):
            host = a if os.path.isabs(a) else os.path.join(cwd, a)
            real = os.path.realpath(host)
            if os.path.isfile(host) and in_trees(real, trees):
                # Built or checked-in file: same absolute path in the guest,
                # so RUNPATH $ORIGIN and meson's LD_LIBRARY_PATH still hold.
                st.program(real)
                argv.append(real)
            elif i == 0:
                st.command(a)  # e.g. /usr/bin/sh for a shell-script test
                argv.append(a)
            else:
                argv.append(a)
        timeout = int(t.get("timeout") or 0)
        timeout = int(timeout * mult) if timeout > 0 else 3600
        fuzz_secs = env.get("IODIRTY_UAPI_FUZZ_SECONDS", "")
        if fuzz_secs.isdigit():
            # A longer fuzzing run on request: its duration, plus the
            # time it takes to stop and report under emulation.
            timeout = max(timeout, 2 * int(fuzz_secs) + 120)
        env_args = [f"{k}={v}" for k, v in sorted(env.items())]
        plan.append(" ".join(shlex.quote(x) for x in
                             ["run_test", tid, str(timeout),
                              SUITES[suite]["needs"], cwd, "env"] +
                             env_args + argv))
        expected.append(tid)

    # Suite by suite, in the order asked; one program may run in several
    # VM suites (the api programs on two backends).
    tests = meson_introspect(build, "--tests")
    for suite in suites:
        for t in tests:
            names = [s.split(":", 1)[-1] for s in t.get("suite", [])]
            if SUITES[suite].get("meson", suite) in names:
                plan_test(suite, t)

    ran = {e.split("/", 1)[0] for e in expected[2:]}
    missing = [s for s in suites if s not in ran]
    if missing:
        # Still boot and run the others; the verdict counts this as a
        # failure.
        print(f"vmtest: no tests in suite(s) {' '.join(missing)} of {build}",
              file=sys.stderr)

    ctl = find_ctl(build)
    if ctl:
        st.program(os.path.realpath(ctl))
        expected.append("vm/default-backend")
    expected.append("vm/rmmod")
    expected.append("vm/foll-pin")
    expected.append("vm/autoload")

    module = os.path.basename(ko)
    if module.endswith(".ko"):
        module = module[:-3]
    text = "# Generated by tests/vm/vmtest.py; sourced by /init.\n"
    text += f"MODULE={shlex.quote(module)}\nKO={shlex.quote(ko_guest)}\n"
    # Where the module came from, for the console log.
    text += f"KO_HOST={shlex.quote(os.path.realpath(ko))}\n"
    # What the kernel was built from, for the console log.
    kpkg = os.environ.get("IODIRTY_VM_KERNEL_PACKAGE", "unknown")
    text += f"KERNEL_PACKAGE={shlex.quote(kpkg)}\n"
    text += f"CTL={shlex.quote(os.path.realpath(ctl) if ctl else '')}\n"
    text += "run_tests() {\n" + "".join(f"\t{line}\n" for line in plan)
    text += "\t:\n}\n"
    rd.add("/vmtest/plan.sh", "data", text.encode())

    os.makedirs(out, exist_ok=True)
    rd.write(os.path.join(out, "initramfs.gz"))
    with open(os.path.join(out, "initramfs.list"), "w", encoding="utf-8") as f:
        f.write(rd.listing())
    with open(os.path.join(out, "plan.sh"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, "expected"), "w", encoding="utf-8") as f:
        f.write("\n".join(expected) + "\n")
        if missing:
            f.write("".join(f"#missing-suite {s}\n" for s in missing))
    print(f"vmtest: {len(plan)} test program(s) from suite(s) "
          f"{' '.join(s for s in suites if s not in missing) or '-'}; "
          f"{len(rd.entries)} initramfs entries")


def kernel_version():
    """(major, minor) of the tier's kernel, from IODIRTY_VM_KERNEL_RELEASE;
    None if unknown."""
    m = re.match(r"(\d+)\.(\d+)",
                 os.environ.get("IODIRTY_VM_KERNEL_RELEASE", ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


def kernel_config():
    """The set of options set (=y or =m) in IODIRTY_VM_KERNEL_CONFIG; None if
    unknown (then every suite runs)."""
    path = os.environ.get("IODIRTY_VM_KERNEL_CONFIG")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return {ln.split("=", 1)[0] for ln in f
                    if re.match(r"CONFIG_\w+=[ym]$", ln.strip())}
    except OSError:
        return None


# Options a suite needs, and since when Linux has them.
KCONFIG_SINCE = {
    "CONFIG_IOMMUFD": ((6, 2), "/dev/iommu", "iommufd"),
}


# Test programs (meson test names) that need a newer kernel than the
# module supports: before 6.9 a module cannot filter a multicast per
# listener, so the module lets only CAP_SYS_ADMIN listen to its events
# (kmod/compat.h), and nl_events' monitor of another uid is refused.
TEST_SINCE = {
    "nl_events": ((6, 9), "filtered multicast",
                  "events reach CAP_SYS_ADMIN listeners only"),
}


def old_kernel_note(test):
    """Why TEST skips on this kernel, or None if it runs."""
    ver = kernel_version()
    if test not in TEST_SINCE or ver is None:
        return None
    since, what, effect = TEST_SINCE[test]
    if ver >= since:
        return None
    return (f"(linux {ver[0]}.{ver[1]} predates {what}, merged in "
            f"{since[0]}.{since[1]}: {effect})")


def missing_kconfig_note(option):
    """Why a suite that needs OPTION skips, or None if the kernel has it."""
    config = kernel_config()
    if config is None or option in config:
        return None
    since, node, what = KCONFIG_SINCE.get(option, (None, None, option))
    ver = kernel_version()
    prefix = f"no {node}: " if node else ""
    if since and ver and ver < since:
        return (f"({prefix}linux {ver[0]}.{ver[1]} predates {what}, "
                f"merged in {since[0]}.{since[1]})")
    return f"({prefix}{option} is not set in this kernel)"


def in_trees(path, trees):
    return any(path.startswith(t + "/") for t in trees)


# ---------------------------------------------------------------------------
# tee
# ---------------------------------------------------------------------------
def cmd_tee(args):
    if len(args) != 1:
        die("usage: tee LOG")
    start = time.monotonic()
    with open(args[0], "w", encoding="utf-8", errors="replace") as log:
        for raw in sys.stdin.buffer:
            line = raw.decode(errors="replace").replace("\r", "")
            log.write(line)
            log.flush()
            line = line.rstrip("\n")
            elapsed = time.monotonic() - start
            m = RESULT.search(line)
            if m:
                print(f"  {m.group(2):4} {m.group(1)}"
                      f"{' ' + m.group(4) if m.group(4) else ''}", flush=True)
            elif BOOTED in line:
                print(f"  booted in {elapsed:.1f} s", flush=True)
            elif END in line:
                print(f"  done after {elapsed:.1f} s", flush=True)
            elif "Kernel panic" in line:
                print(f"  {line}", flush=True)


# ---------------------------------------------------------------------------
# parse
# ---------------------------------------------------------------------------
def show_findings(klines, hits):
    """Prints each hit with a little context before and the report after
    it, MAX_LINES lines at most."""
    shown = set()
    for i in hits:
        shown.update(range(max(0, i - 3), min(len(klines), i + 40)))
    prev = -1
    for i in sorted(shown)[:MAX_LINES]:
        if i != prev + 1:
            print("     ...")
        mark = ">>" if i in hits else "  "
        print(f"  {mark} {klines[i]}")
        prev = i


def cmd_parse(args):
    if len(args) not in (3, 4):
        die("usage: parse LOG EXPECTED SUMMARY [NOTE]")
    log_path, expected_path, summary_path = args[:3]
    host_note = args[3] if len(args) > 3 else ""
    expected, missing_suites = [], []
    with open(expected_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("#missing-suite "):
                missing_suites.append(line.split()[1])
            elif line:
                expected.append(line)
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            lines = [ln.rstrip("\n") for ln in f]
    except FileNotFoundError:
        lines = []

    results = {}       # id -> (verdict, rc, note)
    outputs = {}       # id -> lines
    klogs = []         # (label, lines)
    booted = ended = False
    started = None     # the last test that started
    aborted = None     # the test that hung in the kernel, if the guest said
    cur_out = cur_klog = None
    last_dump_end = 0  # index of the line after the last kernel-log dump
    for n, line in enumerate(lines):
        if BOOTED in line:
            booted = True
        m = KLOG_END.search(line)
        if m and cur_klog is not None:
            cur_klog = None
            last_dump_end = n + 1
            continue
        if cur_klog is not None:
            cur_klog[1].append(line)
            continue
        m = KLOG.search(line)
        if m:
            cur_out = None
            cur_klog = (m.group(1), [])
            klogs.append(cur_klog)
            continue
        m = RESULT.search(line)
        if m:
            results[m.group(1)] = (m.group(2), int(m.group(3)), m.group(4) or "")
            head = line[:m.start()]
            if cur_out is not None and head.strip():
                cur_out.append(head)
            cur_out = None
            continue
        m = START.search(line)
        if m:
            started = m.group(1)
            continue
        m = OUTPUT.search(line)
        if m:
            cur_out = outputs.setdefault(m.group(1), [])
            continue
        if END in line:
            ended = True
            continue
        m = ABORT.search(line)
        if m:
            aborted = m.group(1)
            continue
        if cur_out is not None:
            cur_out.append(line)

    passed = failed = skipped = 0
    notes = []
    for tid in expected:
        r = results.get(tid)
        if r is None:
            if ended:
                # The guest finished but this line never made it intact.
                failed += 1
                print(f"FAIL {tid}: no result line on the console")
            continue
        verdict, rc, note = r
        if verdict == "PASS":
            passed += 1
        elif verdict == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAIL {tid} (exit status {rc}) {note}".rstrip())
            out = outputs.get(tid, [])
            for ln in out[-MAX_LINES:]:
                print(f"  | {ln}")
            if len(out) > MAX_LINES:
                print(f"  | ... {len(out) - MAX_LINES} earlier lines in {log_path}")
    for tid in results:
        if tid not in expected:
            print(f"note: unexpected result line for {tid}", file=sys.stderr)

    # Every kernel-log dump with a finding is one failed "kernel log" test,
    # named after what ran just before it.
    for label, klines in klogs:
        hits = [i for i, ln in enumerate(klines) if KERNEL_FINDINGS.search(ln)]
        if not hits:
            continue
        failed += 1
        print(f"FAIL kernel log after {label}: {len(hits)} suspicious line(s)")
        show_findings(klines, hits)

    if not ended:
        failed += 1
        where = "the guest did not boot" if not booted else \
            "the guest stopped before the end of the run"
        if aborted:
            where = f"the run ended after {aborted} hung in the kernel"
        elif host_note:
            where += f": {host_note}"
        notes.append(where)
        # A hang leaves its kernel reports (a hung task with the locks
        # held, a splat before it) on the console, not in a dump: the
        # last lines alone would show the tail of the last report.
        tail = lines[last_dump_end:]
        hits = [i for i, ln in enumerate(tail) if KERNEL_FINDINGS.search(ln)]
        if hits:
            print(f"kernel reports since the last dump ({len(hits)} "
                  f"suspicious line(s)):")
            show_findings(tail, hits)
        print(f"FAIL vm: {where}; last console lines:")
        for ln in lines[-40:]:
            print(f"  | {ln}")
        if started and started not in results:
            print(f"  running when it stopped: {started}")
        not_run = [t for t in expected if t not in results and t != started]
        if not_run:
            print(f"  not run: {' '.join(not_run)}")
    if missing_suites:
        # As in the native tiers: a suite that vanished must not pass as
        # "nothing failed".
        failed += 1
        notes.append(f"no tests in suite(s) {','.join(missing_suites)}")
        print(f"FAIL vm: no tests in suite(s) {' '.join(missing_suites)}")

    # How this kernel behaves where upstream had defects (the iommufd
    # suite prints it): seen at once when a stable update changes it.
    seen = {}
    for line in lines:
        m = UPSTREAM.search(line)
        if m:
            seen.setdefault(m.group(1), m.group(0))
    if seen:
        print("upstream behaviour on this kernel:")
        for key in sorted(seen):
            print(f"  {seen[key]}")

    kpkg = os.environ.get("IODIRTY_VM_KERNEL_PACKAGE")
    kmod = os.environ.get("IODIRTY_VM_MODULE")
    if kmod:
        notes.insert(0, kmod)
    if kpkg:
        notes.insert(0, kpkg)
    summary = f"vm: {passed} passed, {failed} failed, {skipped} skipped"
    if notes:
        summary += f" ({'; '.join(notes)})"
    with open(summary_path, "w", encoding="utf-8") as f:
        f.write(summary + "\n")
    print(summary)
    return 1 if failed else 0


def main():
    if len(sys.argv) < 2:
        die("usage: vmtest.py initramfs|tee|parse ARGS...")
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "initramfs":
        cmd_initramfs(args)
        return 0
    if cmd == "tee":
        cmd_tee(args)
        return 0
    if cmd == "parse":
        return cmd_parse(args)
    die(f"unknown command '{cmd}'")
    return 2


if __name__ == "__main__":
    sys.exit(main())
