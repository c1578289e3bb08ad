"""Lambda-size mode: instructions per warm request and per cold start, and cold start and warm
latency with the bootstrap held to the CPU share of Lambda's memory sizes.

Each subject is (name, (bootstrap, event factory)) or (name, (bootstrap, event factory, extra
environment)). Beside the subjects in every table: the floor plus the very GetItem a get makes,
through the same store (`FLOOR_GET`), so that a get less it is what our own code costs, cold or
warm, and it less the floor what the SDK's first call costs."""

import statistics
from pathlib import Path

from .callgrind import FLOOR_GET, cold_instructions, own_share, warm_instructions
from .cgroups import CPU_CGROUPS, CpuShare, FastMigrations
from .emulator import cold_start, env_for, warm, with_extra
from .report import pct, table
from .settings import (LAMBDA_COLD_RUNS, LAMBDA_SIZES_MB, LAMBDA_WARM_REQUESTS, ONE_VCPU_MB,
                       SYSTEM_BUNDLE)


def lambda_sizes(subjects, plain_url, tls_url, ca, workdir, floor_get):
    """Every Lambda-size table: instructions first (deterministic), then, where the cgroup-v1
    cpu controller is writable, the runs at each CPU share over TLS with the production trust
    roots (the compiled-in AWS roots, plus the bench CA the proxy needs)."""
    subjects = subjects + [floor_get]
    counts = warm_instructions(subjects, env_for(plain_url), workdir)
    print(own_share(counts.get("get"), counts.get(FLOOR_GET)))
    cold_instructions_table(subjects, plain_url, ca, workdir)
    if not CpuShare.available():
        print(f"\nLambda sizes: skipped, {CPU_CGROUPS} is not writable (the cgroup-v1 cpu "
              f"controller, as root)")
        return
    at_cpu_shares(subjects, env_for(tls_url, ca), workdir)


def cold_instructions_table(subjects, plain_url, ca, workdir):
    """The instructions of a cold start, with and without the system's bundle in SSL_CERT_FILE
    (over plain HTTP: under callgrind a TLS handshake outlasts the functions' DynamoDB
    timeouts; the roots are parsed all the same, when the connector is built)."""
    bundle = Path(workdir) / "system-bundle-and-bench-ca.pem"
    bundle.write_bytes((SYSTEM_BUNDLE.read_bytes() if SYSTEM_BUNDLE.exists() else b"")
                       + Path(ca).read_bytes())
    bundle_count = bundle.read_bytes().count(b"BEGIN CERTIFICATE")

    def cell(n):
        return "n/a" if n is None else f"{n:,}"

    rows = []
    for name, (bootstrap, make_event, *extra) in subjects:
        production = cold_instructions(bootstrap, with_extra(env_for(plain_url), extra),
                                       make_event, workdir)
        system = cold_instructions(bootstrap, with_extra(env_for(plain_url, bundle), extra),
                                   make_event, workdir)
        rows.append([name, cell(production), cell(system),
                     "n/a" if None in (production, system) else f"{system - production:,}"])
    table("Instructions of a cold start (callgrind, exec to the first answer, plain HTTP; the "
          "bootstrap process only)",
          ["endpoint", "AWS roots", f"SSL_CERT_FILE: {bundle_count} roots", "difference"], rows)


def label(share):
    return "unthrottled" if share is None else f"{share.mb} MB"


def at_cpu_shares(subjects, env, workdir):
    shares = [None] + [CpuShare(mb, workdir) for mb in LAMBDA_SIZES_MB]
    colds = {(name, label(share)): [] for name, _ in subjects for share in shares}
    # What a cold start costs the CPU, counted where nothing throttles it: the one-vCPU share.
    spent = {name: [] for name, _ in subjects}
    warms = {}
    with FastMigrations() as migrations:
        try:
            # Interleaved, so that whatever else the machine does falls on every size alike.
            for _ in range(LAMBDA_COLD_RUNS):
                for name, (bootstrap, make_event, *extra) in subjects:
                    for share in shares:
                        wrapper = share.wrapper(bootstrap) if share else None
                        observe = (noting_cpu(share, spent[name])
                                   if share and share.mb == ONE_VCPU_MB else None)
                        colds[(name, label(share))].append(
                            cold_start(bootstrap, with_extra(env, extra), make_event,
                                       wrapper=wrapper, observe=observe))
            for name, (bootstrap, make_event, *extra) in subjects:
                for share in shares:
                    wrapper = share.wrapper(bootstrap) if share else None
                    latencies, _ = warm(bootstrap, with_extra(env, extra), make_event,
                                        LAMBDA_WARM_REQUESTS, wrapper)
                    warms[(name, label(share))] = pct(latencies, 0.5)
        finally:
            for share in shares:
                if share:
                    share.remove()
    names = [name for name, _ in subjects]
    labels = [label(share) for share in shares]
    settings = ", ".join(f"{s.mb} MB: quota {s.quota_us} us per {s.period_us} us"
                         for s in shares if s)
    cold_table(names, labels, colds, f"cgroup-v1 cpu controller on the bootstrap only: "
               f"{settings}; {migrations.status()}")
    cpu_table(names, spent)
    table(f"Warm p50 at Lambda's CPU shares over TLS (ms, N={LAMBDA_WARM_REQUESTS} after the "
          f"first request)", ["endpoint"] + labels,
          [[name] + [f"{warms[(name, size)]:.3f}" for size in labels] for name in names])


def noting_cpu(share, into):
    """What to run after a cold start at `share`: note its CPU time and minor page faults."""
    return lambda function: into.append((share.cpu_ms(), function.minor_faults()))


def above(value, floor, name, digits):
    """A figure, and for all but the floor its difference from the floor's."""
    if name == "floor":
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} ({value - floor:+.{digits}f})"


def cold_table(names, labels, colds, how):
    floor = {size: statistics.median(colds[("floor", size)]) for size in labels}
    rows = [[name] + [above(statistics.median(colds[(name, size)]), floor[size], name, 1)
                      for size in labels] for name in names]
    table(f"Cold start at Lambda's CPU shares over TLS (ms, median of {LAMBDA_COLD_RUNS}; above "
          f"the floor in brackets). {how}", ["endpoint"] + labels, rows)


def cpu_table(names, spent):
    cpu = {name: statistics.median(c for c, _ in spent[name]) for name in names}
    faults = {name: statistics.median(f for _, f in spent[name]) for name in names}
    rows = [[name, above(cpu[name], cpu["floor"], name, 2),
             above(faults[name], faults["floor"], name, 0)] for name in names]
    table(f"CPU of a cold start over TLS (ms of user and system time, cpuacct, exec to the first "
          f"answer, at the {ONE_VCPU_MB} MB share; median of {LAMBDA_COLD_RUNS}; above the floor "
          f"in brackets). At a share of s vCPU it takes about CPU / s of wall time: at 128 MB, "
          f"{128 / ONE_VCPU_MB:.3f} vCPU", ["endpoint", "CPU ms", "minor page faults"], rows)
    if "get" in cpu and FLOOR_GET in cpu:
        own = cpu["get"] - cpu[FLOOR_GET]
        print(f"our own code in a cold get: {own:+.2f} ms of CPU (get less floor + GetItem), "
              f"about {own / (128 / ONE_VCPU_MB):+.1f} ms at 128 MB")
