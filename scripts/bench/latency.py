"""Latency of every endpoint (cold and warm, plain and over TLS), what our own code adds to the
bare DynamoDB calls, capacity units, scaling with the account's size, the hosted page's weight
and the binaries' sizes."""

import json
import statistics
import subprocess

from .api_events import event
from .callgrind import FLOOR_GET
from .emulator import Function, cold_start, env_for, warm, with_extra
from .report import fmt_mib, fmt_ms, pct, size_of, table
from .settings import BUILD, COLD_RUNS, ROOT, ROUNDS, SCALING_REQUESTS, TABLE, WARM_REQUESTS


def bare(endpoint_url, seed_file, op, account, n):
    """The bare DynamoDB calls an endpoint makes, `n` times (examples/bench_tool.rs): latency and
    capacity units."""
    out = subprocess.run(
        [str(BUILD / "examples" / "bench_tool"), "--endpoint", endpoint_url, "--table", TABLE,
         "bare", "--seed", str(seed_file), "--op", op, "--n", str(n), "--account", account],
        check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def measure_endpoints(subjects, transports, plain_url, seed_file):
    """Each subject (name, (binary or None for the floor's bootstrap, event factory, bare op,
    seed account)) cold on every transport, warm over plain HTTP in rounds, and its bare
    calls: the figures by name."""
    results = {}
    for name, (bootstrap, make_event, op, account) in subjects:
        result = results.setdefault(name, {})
        for transport, (url, ca_file) in transports.items():
            env = env_for(url, ca_file)
            colds = [cold_start(bootstrap, env, make_event) for _ in range(COLD_RUNS)]
            result[f"cold_{transport}"] = statistics.median(colds)
            result[f"cold_{transport}_range"] = (min(colds), max(colds))
        env = env_for(plain_url)
        round_p50, round_p99, rss = [], [], None
        for _ in range(ROUNDS):
            latencies, rss = warm(bootstrap, env, make_event, WARM_REQUESTS)
            round_p50.append(pct(latencies, 0.5))
            round_p99.append(pct(latencies, 0.99))
        result["warm_p50"] = statistics.median(round_p50)
        result["warm_p50_range"] = (min(round_p50), max(round_p50))
        result["warm_p99"] = statistics.median(round_p99)
        result["rss_kib"] = rss
        if op:
            result["bare"] = bare(plain_url, seed_file, op, account, WARM_REQUESTS)
        result["size"] = size_of(bootstrap)
    return results


def latency_table(results):
    floor_p50 = results["floor"]["warm_p50"]

    def spread(r, key, digits):
        low, high = r[key + "_range"]
        return f"{r[key]:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"

    rows = []
    for name, r in results.items():
        bare_p50 = r["bare"]["p50_us"] / 1000 if "bare" in r else None
        residual = None if bare_p50 is None else r["warm_p50"] - floor_p50 - bare_p50
        rows.append([
            name, spread(r, "cold_http", 1), spread(r, "cold_tls", 1),
            spread(r, "warm_p50", 3), f"{r['warm_p99']:.3f}", fmt_ms(bare_p50),
            fmt_ms(residual),
            f"{r['rss_kib'] / 1024:.1f}" if r["rss_kib"] else "n/a",
            fmt_mib(r["size"]),
        ])
    table("Latency (ms; medians over runs, range in brackets), memory and size",
          ["endpoint", f"cold http N={COLD_RUNS}", f"cold tls N={COLD_RUNS}",
           f"warm p50 N={WARM_REQUESTS}x{ROUNDS}", "warm p99", "bare DDB p50",
           "residual p50", "peak RSS MiB", "x86_64 MiB"], rows)


def capacity_table(results):
    rows = [[name, r["bare"]["capacity_per_request"], r["bare"]["theoretical_capacity"]]
            for name, r in results.items() if "bare" in r]
    table("Capacity units per request (DynamoDB Local's ReturnConsumedCapacity of the bare calls)",
          ["endpoint", "consumed", "theoretical minimum"], rows)


def scaling(seed, env):
    """The same list page and cancel with 100,000 payments in the account vs 1,000."""
    rows = []
    for label, make, op_binary in [
        ("list page", lambda acct: (lambda: event("GET", "/api/v1/payments", acct["key"])),
         "list_payments"),
        ("list page, one customer", lambda acct: (lambda: event(
            "GET", "/api/v1/payments", acct["key"], query=f"customerId={acct['customer']}")),
         "list_payments"),
        ("cancel", lambda acct: (lambda pool=list(acct["cancelable"]): event(
            "POST", f"/api/v1/payments/{pool.pop()}/cancel", acct["key"])), "cancel_payment"),
    ]:
        p50s = {}
        for size in ("small", "large"):
            latencies, _ = warm(BUILD / op_binary, env, make(seed[size]),
                                min(SCALING_REQUESTS, 390))
            p50s[size] = pct(latencies, 0.5)
        rows.append([label, f"{p50s['small']:.3f}", f"{p50s['large']:.3f}",
                     f"{p50s['large'] / p50s['small']:.2f}"])
    table(f"Scaling: warm p50 (ms), {seed['small']['payments']:,} vs "
          f"{seed['large']['payments']:,} payments in the account",
          ["request", "1,000", f"{seed['large']['payments']:,}", "ratio"], rows)


def own_cost_in_process(get, floor_get, env):
    """Our own cost measured in one kind of process: get_payment (bootstrap, event factory)
    against the floor plus the very GetItem it makes (examples/floor_get.rs; bootstrap, event
    factory, its extra environment), alternating rounds so both see the same noise."""
    p50s = {"get": [], FLOOR_GET: []}
    for _ in range(ROUNDS):
        p50s["get"].append(pct(warm(get[0], env, get[1], WARM_REQUESTS)[0], 0.5))
        p50s[FLOOR_GET].append(pct(warm(floor_get[0], with_extra(env, [floor_get[2]]),
                                        floor_get[1], WARM_REQUESTS)[0], 0.5))
    rows = [[name, f"{statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f})"]
            for name, v in p50s.items()]
    ours = statistics.median(p50s["get"]) - statistics.median(p50s[FLOOR_GET])
    rows.append(["difference: our code", f"{ours:.3f}"])
    table(f"Our own cost per warm get, in-process (warm p50 ms, N={WARM_REQUESTS} x {ROUNDS} "
          f"alternating rounds)", ["function", "warm p50"], rows)


def page_weight(pay_page, env):
    """What the payer's browser downloads: the hosted page (HTML and inline CSS are all of it)."""
    _, payload = Function.once(pay_page[0], env, pay_page[1])
    page = payload.get("body", "")
    table("Hosted page weight (GET /pay/{id}, one pending link with a customer)",
          ["what", "bytes"], [["HTML (inline CSS included)", f"{len(page.encode()):,}"]])


def binary_sizes(bootstraps):
    """x86_64 from this build; arm64 if `cargo lambda build --release --arm64` ran."""
    rows = [[name, fmt_mib(size_of(path)),
             fmt_mib(size_of(ROOT / "target" / "lambda" / name / "bootstrap"), "not built")]
            for name, path in bootstraps]
    table("Stripped binary size (MiB)", ["binary", "x86_64", "arm64"], rows)
