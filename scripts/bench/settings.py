"""Where the binaries are, and the run's knobs (environment variables, defaults here)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# BENCH_PROFILE=debug runs the debug build: a check that the bench works (the test command's),
# whose figures say nothing of the functions, which deploy the release profile.
PROFILE = os.environ.get("BENCH_PROFILE", "release")
BUILD = ROOT / "target" / PROFILE
TABLE = "commet-payments-bench"

COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "10"))
WARM_REQUESTS = int(os.environ.get("BENCH_WARM_REQUESTS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LARGE = int(os.environ.get("BENCH_LARGE_ACCOUNT", "100000"))
SCALING_REQUESTS = int(os.environ.get("BENCH_SCALING_REQUESTS", "300"))
CALLGRIND_REQUESTS = int(os.environ.get("BENCH_CALLGRIND_REQUESTS", "50"))
LAG_EVENTS = int(os.environ.get("BENCH_LAG_EVENTS", "200"))
LAMBDA_COLD_RUNS = int(os.environ.get("BENCH_LAMBDA_COLD_RUNS", "25"))
LAMBDA_WARM_REQUESTS = int(os.environ.get("BENCH_LAMBDA_WARM_REQUESTS", "200"))
# BENCH_ONLY: the parts to run, comma-separated (every part when unset): `endpoints` (every
# endpoint's latency, capacity, scaling, own cost, page weight and binary sizes), `events`
# (events out) and `lambda` (at Lambda's sizes).
PARTS = ("endpoints", "events", "lambda")


def parts(text):
    """The parts a BENCH_ONLY value names; a name that is not a part stops the run."""
    named = {part.strip() for part in text.split(",") if part.strip()}
    if named - set(PARTS):
        raise SystemExit(f"BENCH_ONLY names parts of {', '.join(PARTS)}, "
                         f"not {', '.join(sorted(named - set(PARTS)))}")
    return named


ONLY = parts(os.environ.get("BENCH_ONLY", ""))


def wanted(part):
    """Whether BENCH_ONLY asks for `part` (or for every part)."""
    return not ONLY or part in ONLY


# Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB.
ONE_VCPU_MB = 1769
LAMBDA_SIZES_MB = [1769, 512, 128]
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
