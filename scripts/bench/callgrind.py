"""Instructions counted by callgrind: per warm request and per cold start, the bootstrap only.
Repeatable for the same binary, inputs and environment, whatever else the machine does."""

import shutil
import subprocess
from pathlib import Path

from .api_events import answered_as_expected
from .emulator import Function, with_extra
from .report import table
from .settings import CALLGRIND_REQUESTS


def under_callgrind(bootstrap, env, workdir, tag):
    """The bootstrap started under callgrind, and the path its dumps are numbered from; None if
    valgrind is not installed."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        return None
    out = Path(workdir) / f"callgrind-{tag}.{bootstrap.name}.{len(list(Path(workdir).iterdir()))}"
    wrapper = Path(workdir) / f"valgrind-{tag}-{bootstrap.name}.sh"
    wrapper.write_text(f"#!/bin/sh\nexec valgrind --tool=callgrind --quiet "
                       f"--callgrind-out-file={out} {bootstrap}\n")
    wrapper.chmod(0o755)
    return Function(bootstrap, env, wrapper=wrapper), out


def dump_counters(function):
    """Writes callgrind's counters since the last dump to the next numbered file, and resets
    them."""
    subprocess.run(["callgrind_control", "-d", str(function.bootstrap_pid())], check=True,
                   capture_output=True, timeout=60)


def dumped_total(dump):
    """The instructions a dump file counts, or None if there is none."""
    if not dump.exists():
        return None
    line = next((text for text in dump.read_text(errors="ignore").splitlines()
                 if text.startswith("totals:")), None)
    return None if line is None else int(line.split()[1])


def counted_runs(bootstrap, env, make_event, workdir, tag, runs):
    """The bootstrap under callgrind making, for each count in `runs`, that many requests, with
    the counters dumped (and so reset) after each run: the instructions of each run, in order
    (None for a run whose dump is missing); None if valgrind is not installed."""
    started = under_callgrind(bootstrap, env, workdir, tag)
    if started is None:
        return None
    function, out = started
    try:
        for count in runs:
            for _ in range(count):
                status, payload = function.invoke(make_event())
                if not answered_as_expected(make_event, payload):
                    raise RuntimeError(f"{tag} request under callgrind answered {status}: "
                                       f"{payload}")
            dump_counters(function)
    finally:
        function.stop()
    return [dumped_total(Path(f"{out}.{n}")) for n in range(1, len(runs) + 1)]


def instructions_per_request(bootstrap, env, make_event, workdir):
    """Instructions per warm request under callgrind: 5 warm-up requests, then N more, divided
    by N."""
    totals = counted_runs(bootstrap, env, make_event, workdir, "warm", [5, CALLGRIND_REQUESTS])
    if totals is None or totals[1] is None:
        return None
    return totals[1] / CALLGRIND_REQUESTS


def cold_instructions(bootstrap, env, make_event, workdir):
    """Instructions from exec to the first answer, under callgrind: the cold start's own CPU
    work (dynamic loading, runtime, configuration, trust roots, first request), which is what a
    small function waits for at its CPU share."""
    totals = counted_runs(bootstrap, env, make_event, workdir, "cold", [1])
    return None if totals is None else totals[0]


def warm_instructions(subjects, env, workdir):
    """Instructions per warm request, deterministic under callgrind: each subject is (name,
    (bootstrap, event factory)) or (name, (bootstrap, event factory, extra environment)). Prints
    the table; returns the counts by name."""
    rows, counts = [], {}
    for name, (bootstrap, make_event, *extra) in subjects:
        count = instructions_per_request(bootstrap, with_extra(env, extra), make_event, workdir)
        counts[name] = count
        rows.append([name, "n/a" if count is None else f"{count:,.0f}"])
    table(f"Instructions per warm request (callgrind, N={CALLGRIND_REQUESTS} after 5 warm-up "
          f"requests, plain HTTP; the bootstrap process only)", ["endpoint", "instructions"],
          rows)
    return counts


FLOOR_GET = "floor + GetItem"


def own_share(get, floor_get):
    """Our own code's cost in a warm get: the get less the floor making the very same GetItem
    through the very same store (issue 13's goal: at most 5 % of the get)."""
    if get is None or floor_get is None:
        return "our own code in a warm get: n/a (get or floor + GetItem not measured)"
    own = get - floor_get
    return (f"our own code in a warm get: {own:,.0f} instructions (get less floor + GetItem), "
            f"{100 * own / get:.1f} % of the get")
