"""Events out, locally: the lag from a committed change to the merchant's receiver, and
deliver_events' own cold start, warm latency, memory and size."""

import json
import statistics
import subprocess
import time

from .api_events import event, stream_batch
from .emulator import Function, cold_start, env_for, warm
from .receiver import Receiver
from .report import fmt_mib, fmt_ms, pct, size_of, table
from .settings import BUILD, COLD_RUNS, LAG_EVENTS, ROOT, TABLE, WARM_REQUESTS


def events_out(plain_url, seed):
    env = {**env_for(plain_url), "WEBHOOK_RETRY_MINUTE_SECONDS": "1"}
    delivery_lag(plain_url, seed["work"]["key"], env)
    deliver_events(env)


def delivery_lag(plain_url, key, env):
    """From the create's answer to the receiver, through DynamoDB Local's stream, the relay
    (admin relay-stream, as start.sh runs it) and deliver_events."""
    receiver = Receiver()
    relay = subprocess.Popen(
        [str(BUILD / "admin"), "--endpoint", plain_url, "--table", TABLE, "relay-stream"],
        # Quiet: its stdout is read for its first line only, and must not fill up.
        env={**env, "AWS_LAMBDA_LOG_LEVEL": "warn"}, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    creates = Function(BUILD / "create_customer", env)
    try:
        relay.stdout.readline()  # "relaying the stream ..." once it reads the stream
        status, payload = Function.once(BUILD / "create_webhook", env, lambda: event(
            "POST", "/api/v1/webhooks", key,
            {"url": receiver.url, "events": ["customer.created"]}))
        if status != 200:
            raise RuntimeError(f"create_webhook answered {status}: {payload}")
        committed = {}
        for i in range(LAG_EVENTS):
            status, payload = creates.invoke(event(
                "POST", "/api/v1/customers", key, {"email": f"lag-{i}@example.com"}))
            answered = time.perf_counter()
            body = json.loads(payload["body"])
            committed[body.get("id") or body["data"]["id"]] = answered
            time.sleep(0.02)  # a steady trickle, one change at a time
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(receiver.arrived(committed)) < len(committed):
            time.sleep(0.1)
        arrivals = receiver.arrived(committed)
        lags = [(arrivals[c] - t) * 1000 for c, t in committed.items() if c in arrivals]
    finally:
        creates.stop()
        relay.terminate()
        relay.wait(timeout=10)
        receiver.stop()
    table(f"Events out: commit to receiver (ms), local (DynamoDB Local's stream read every "
          f"50 ms by the relay), N={LAG_EVENTS} customer.created",
          ["delivered", "p50", "p99", "max"],
          [[f"{len(lags)}/{LAG_EVENTS}", fmt_ms(pct(lags, 0.5) if lags else None),
            fmt_ms(pct(lags, 0.99) if lags else None), fmt_ms(max(lags) if lags else None)]])


def deliver_events(env):
    """deliver_events on the sample stream event: a change of an account without endpoints, so
    one Query; what the function costs itself."""
    sample = json.loads((ROOT / "events" / "deliver_events.json").read_text())
    make_event = stream_batch(lambda: sample)
    binary = BUILD / "deliver_events"
    colds = [cold_start(binary, env, make_event) for _ in range(COLD_RUNS)]
    latencies, rss = warm(binary, env, make_event, WARM_REQUESTS)
    table("deliver_events (http to DynamoDB Local; the sample stream event)",
          [f"cold N={COLD_RUNS}", f"warm p50 N={WARM_REQUESTS}", "warm p99", "peak RSS MiB",
           "x86_64 MiB", "arm64 MiB"],
          [[f"{statistics.median(colds):.1f} ({min(colds):.1f}-{max(colds):.1f})",
            f"{pct(latencies, 0.5):.3f}", f"{pct(latencies, 0.99):.3f}",
            f"{rss / 1024:.1f}" if rss else "n/a",
            fmt_mib(size_of(binary)),
            fmt_mib(size_of(ROOT / "target" / "lambda" / "deliver_events" / "bootstrap"),
                    "not built")]])
