"""Where the binaries are, and the run's knobs (environment variables, defaults here)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RELEASE = ROOT / "target" / "release"
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
# BENCH_ONLY=events: only the events-out tables (after seeding); BENCH_ONLY=lambda: only the
# Lambda-size tables.
ONLY = os.environ.get("BENCH_ONLY", "")

# Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB.
ONE_VCPU_MB = 1769
LAMBDA_SIZES_MB = [1769, 512, 128]
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
