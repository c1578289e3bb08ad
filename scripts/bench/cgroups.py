"""Lambda's CPU shares on this machine: cgroup-v1 groups that hold a bootstrap to the CPU of a
function of a given memory size, and the cgroup-v2 mount option that keeps joining them cheap."""

import ctypes
import os
import sys
from pathlib import Path

from .settings import ONE_VCPU_MB

CPU_CGROUPS = Path("/sys/fs/cgroup/cpu")
CPU_ACCOUNTS = Path("/sys/fs/cgroup/cpuacct")


class CpuShare:
    """A group of the cgroup-v1 cpu controller holding what runs in it to the CPU share of a
    Lambda function of `mb` megabytes. Below one vCPU: a quota of 1 ms (the smallest the kernel
    takes) per period of 1769/mb ms, so that a throttled process waits in slices of
    milliseconds, as a small function does on Lambda, not in one stall of the default 100 ms
    period. One vCPU (1,769 MB): a quota equal to the default period, 100 ms; a 1 ms period
    there made even the floor twice as slow as unthrottled (its timer costs a process that
    wakes often more than its quota says), when a whole vCPU throttles nothing single-threaded.
    Only the bootstrap joins it (a wrapper writes its own pid, then execs the bootstrap): the
    emulator and DynamoDB Local keep the rest of the machine."""

    def __init__(self, mb, workdir):
        self.mb = mb
        self.quota_us, self.period_us = self.limits(mb)
        self.path = CPU_CGROUPS / f"commet-bench-{mb}mb"
        self.path.mkdir(exist_ok=True)
        (self.path / "cpu.cfs_quota_us").write_text("-1")
        (self.path / "cpu.cfs_period_us").write_text(str(self.period_us))
        (self.path / "cpu.cfs_quota_us").write_text(str(self.quota_us))
        # The cpuacct controller (its own hierarchy here) counts the CPU the bootstrap uses,
        # kernel time included: exec, dynamic loading, page faults, sockets.
        self.account = CPU_ACCOUNTS / f"commet-bench-{mb}mb"
        self.account.mkdir(exist_ok=True)
        self.workdir = Path(workdir)

    @staticmethod
    def limits(mb):
        """The group's quota and period, in microseconds, for a function of `mb` megabytes."""
        if mb >= ONE_VCPU_MB:
            return 100_000, 100_000
        return 1000, round(1000 * ONE_VCPU_MB / mb)

    @staticmethod
    def available():
        try:
            for hierarchy in (CPU_CGROUPS, CPU_ACCOUNTS):
                probe = hierarchy / f"commet-bench-probe-{os.getpid()}"
                probe.mkdir()
                probe.rmdir()
            return True
        except OSError:
            return False

    def wrapper(self, bootstrap):
        # Each start zeroes the group's CPU count (a retried start's too), then joins.
        script = self.workdir / f"share-{self.mb}-{bootstrap.name}.sh"
        script.write_text(f"#!/bin/sh\necho $$ > {self.path}/cgroup.procs\n"
                          f"echo 0 > {self.account}/cpuacct.usage\n"
                          f"echo $$ > {self.account}/cgroup.procs\nexec {bootstrap}\n")
        script.chmod(0o755)
        return script

    def cpu_ms(self):
        """CPU used in the group since the last start through `wrapper`, user and system, in
        milliseconds."""
        return int((self.account / "cpuacct.usage").read_text()) / 1e6

    def remove(self):
        for group in (self.path, self.account):
            try:
                group.rmdir()
            except OSError as error:
                print(f"  could not remove {group}: {error}", file=sys.stderr)


class FastMigrations:
    """For the run, the cgroup-v2 mount's `favordynmods` option, restored after. Moving a process
    into a group takes the kernel's global threadgroup lock for writing, which waits for an RCU
    grace period unless a move happened a moment before (measured here, medians: a join 200 ms
    after the last one 7.8 ms against 1.9 for `sh -c true`, back to back 1.2 ms, 200 ms apart
    with the flag set 1.9 ms). Each wrapper's join would add that to the cold
    start it measures, unevenly: a start right after another's join skips it. `favordynmods`
    keeps the lock's readers (fork, exit) on their slow path so that writers never wait; it is a
    flag of the v2 hierarchy, but the lock is one for all hierarchies, the v1 cpu one included.
    Set and cleared with mount(2) itself: util-linux's remount keeps the options it finds."""

    FLAGS = {"ro": 1, "nosuid": 2, "nodev": 4, "noexec": 8, "noatime": 1024, "nodiratime": 2048,
             "relatime": 1 << 21, "strictatime": 1 << 24}
    MS_REMOUNT = 32

    def __init__(self, mounts=None):
        """`mounts`: the text of /proc/mounts, read if not given."""
        if mounts is None:
            mounts = Path("/proc/mounts").read_text()
        self.target, self.options = None, []
        for line in mounts.splitlines():
            _, target, fstype, options, *_ = line.split()
            if fstype == "cgroup2":
                self.target, self.options = target, options.split(",")
        self.changed = False

    def status(self):
        if self.target is None:
            return "no cgroup-v2 mount to set favordynmods on: each join may wait for RCU"
        if self.changed:
            return f"favordynmods on {self.target} set for the run"
        if "favordynmods" in self.options:
            return f"favordynmods on {self.target} already set"
        return f"favordynmods on {self.target} could not be set: each join may wait for RCU"

    def mount_flags(self):
        """mount(2)'s flags for a remount that keeps the mount's generic options as they are."""
        flags = self.MS_REMOUNT
        for option in self.options:
            flags |= self.FLAGS.get(option, 0)
        return flags

    def _remount(self, fs_options):
        flags = self.mount_flags()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mount(None, self.target.encode(), None, flags, ",".join(fs_options).encode()):
            raise OSError(ctypes.get_errno(), f"remounting {self.target}")

    def own_options(self, extra=()):
        return [o for o in self.options if o not in self.FLAGS and o != "rw"] + list(extra)

    def __enter__(self):
        if self.target and "favordynmods" not in self.options:
            try:
                self._remount(self.own_options(["favordynmods"]))
                self.changed = True
            except OSError as error:
                print(f"  favordynmods: {error}", file=sys.stderr)
        return self

    def __exit__(self, failure, *_):
        if self.changed:
            try:
                self._remount(self.own_options())
            except OSError as error:
                if failure is None:
                    raise
                # The run's own failure is the one to see; this one is said beside it.
                print(f"  favordynmods could not be cleared: {error}", file=sys.stderr)
