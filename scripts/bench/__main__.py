"""`python3 -m bench PORT` (from scripts/): seeds DynamoDB Local on PORT, then prints every table,
or those of the parts BENCH_ONLY names."""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import latency
from .api_events import Endpoints, event
from .callgrind import FLOOR_GET
from .emulator import env_for
from .events_out import events_out
from .lambda_sizes import lambda_sizes
from .receiver import Receiver
from .settings import (BUILD, CALLGRIND_REQUESTS, COLD_RUNS, LAMBDA_COLD_RUNS, LAMBDA_SIZES_MB,
                       LAMBDA_WARM_REQUESTS, LARGE, PROFILE, ROUNDS, TABLE, WARM_REQUESTS, wanted)
from .tls import TlsProxy, make_ca

FLOOR = BUILD / "examples" / "floor"
FLOOR_GET_BINARY = BUILD / "examples" / "floor_get"


def floor_event():
    return event("GET", "/", "none")


def seed_data(plain_url, hook_url, seed_file):
    """Seeds the table (examples/bench_tool.rs) with payment pools large enough for every run
    of one endpoint: cold and warm, at every CPU share, under callgrind."""
    pool = (COLD_RUNS * 2 + ROUNDS * (WARM_REQUESTS + 1) + 10
            + (len(LAMBDA_SIZES_MB) + 1) * (LAMBDA_COLD_RUNS + LAMBDA_WARM_REQUESTS + 1)
            + 2 + 5 + CALLGRIND_REQUESTS)
    out = subprocess.run([str(BUILD / "examples" / "bench_tool"), "--endpoint", plain_url,
                          "--table", TABLE, "seed", "--large", str(LARGE),
                          "--hook-url", hook_url, "--pool", str(pool)],
                         check=True, capture_output=True, text=True)
    seed_file.write_text(out.stdout)
    return json.loads(out.stdout)


def run(receiver, ddb_port):
    # Its CA key, seed and callgrind files (tens of MB) are of no use once the figures are out.
    workdir = tempfile.mkdtemp(prefix="bench-")
    try:
        measure(receiver, ddb_port, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(receiver, ddb_port, workdir):
    begun = time.monotonic()
    plain_url = f"http://127.0.0.1:{ddb_port}"
    ca, cert, key = make_ca(workdir)
    proxy = TlsProxy(ddb_port, cert, key)
    tls_url = f"https://localhost:{proxy.port}"

    seed_file = Path(workdir) / "seed.json"
    seeding = time.monotonic()
    seed = seed_data(plain_url, receiver.url, seed_file)
    seeding = time.monotonic() - seeding
    endpoints = {name: (BUILD / binary, make_event, op, account)
                 for name, (binary, make_event, op, account) in Endpoints(seed).table.items()}

    print(f"Benchmark {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
          f"{platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.processor() or platform.platform()}")
    print(f"cold N={COLD_RUNS} per endpoint and transport; warm N={WARM_REQUESTS} x "
          f"{ROUNDS} rounds; seeded {LARGE + 1000} payments in {seeding:.0f} s")
    if PROFILE != "release":
        print(f"{PROFILE} build: a check that the bench runs; its figures are not the functions'")

    lambda_subjects = [("floor", (FLOOR, floor_event))] + [
        (name, (bootstrap, make_event))
        for name, (bootstrap, make_event, _, _) in endpoints.items()]
    floor_get = (FLOOR_GET_BINARY, floor_event,
                 {"BENCH_ACCOUNT": seed["small"]["account"],
                  "BENCH_PAYMENT": seed["small"]["payment"]})

    def at_lambda_sizes():
        lambda_sizes(lambda_subjects, plain_url, tls_url, ca, workdir, (FLOOR_GET, floor_get))
        print(f"\nwebhook receiver: {receiver.received} deliveries (test webhook, "
              f"retry delivery)")

    if wanted("endpoints"):
        endpoint_tables(endpoints, plain_url, tls_url, ca, seed, seed_file, floor_get)
    if wanted("events"):
        events_out(plain_url, seed)
    if wanted("lambda"):
        at_lambda_sizes()
    if wanted("endpoints"):
        latency.binary_sizes([("floor", FLOOR)] + [
            (bootstrap.name, bootstrap) for bootstrap, *_ in endpoints.values()])
    print(f"\nbenchmark took {time.monotonic() - begun:.0f} s (build not included)")


def endpoint_tables(endpoints, plain_url, tls_url, ca, seed, seed_file, floor_get):
    transports = {"http": (plain_url, None), "tls": (tls_url, ca)}
    results = latency.measure_endpoints(
        [("floor", (FLOOR, floor_event, None, None))] + list(endpoints.items()),
        transports, plain_url, seed_file)
    latency.latency_table(results)
    latency.capacity_table(results)
    env = env_for(plain_url)
    latency.scaling(seed, env)
    latency.own_cost_in_process(endpoints["get"], floor_get, env)
    latency.page_weight(endpoints["pay page"], env)


def main():
    receiver = Receiver()
    try:
        run(receiver, int(sys.argv[1]))
    finally:
        receiver.stop()


if __name__ == "__main__":
    main()
