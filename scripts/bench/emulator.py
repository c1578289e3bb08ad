"""A function's bootstrap under AWS's Lambda Runtime Interface Emulator: started, invoked, timed
and stopped."""

import http.client
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .api_events import STRIPE_WEBHOOK_SECRET, answered_as_expected
from .network import free_port, wait_port
from .settings import TABLE


def rie_path():
    import samcli  # installed by scripts/lib.sh ensure_sam

    arch = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
    return Path(samcli.__file__).parent / "local" / "rapid" / f"aws-lambda-rie-{arch}"


class Function:
    """One bootstrap under the Runtime Interface Emulator, on loopback ports of its own."""

    def __init__(self, bootstrap, env, wrapper=None):
        self.port = free_port()
        runtime_api = free_port()
        cmd = [str(rie_path()), "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
               "--runtime-api-address", f"127.0.0.1:{runtime_api}", "--log-level", "error",
               str(wrapper or bootstrap)]
        self.started = time.perf_counter()
        # The emulator's own errors, for a start that fails.
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                        stderr=self.errors)
        self.connection = None

    def invoke(self, event):
        if self.connection is None:
            wait_port(self.port)
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = json.dumps(event)
        self.connection.request("POST", "/2015-03-31/functions/function/invocations", body,
                                {"content-type": "application/json"})
        response = self.connection.getresponse()
        raw = response.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            raise RuntimeError(f"emulator answered {response.status}: {raw[:300]!r}") from None
        return payload.get("statusCode"), payload

    @classmethod
    def once(cls, bootstrap, env, make_event):
        """One invocation of a fresh process: its status and payload."""
        function = cls(bootstrap, env)
        try:
            return function.invoke(make_event())
        finally:
            function.stop()

    def bootstrap_pid(self):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                return int(entry.name)
        return None

    def minor_faults(self):
        """The bootstrap's minor page faults so far (its threads' included)."""
        pid = self.bootstrap_pid()
        if pid is None:
            return None
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[7])

    def peak_rss_kib(self):
        pid = self.bootstrap_pid()
        if pid is None:
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return None

    def error_output(self):
        """The last lines the emulator wrote to its stderr so far (its own errors; the
        bootstrap's output goes to the emulator's stdout)."""
        self.errors.seek(0)
        return last_lines(self.errors.read())

    def stop(self):
        if self.connection:
            self.connection.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()


def last_lines(output, count=5):
    """The last `count` non-blank lines of a process's output, on one line; "none" if empty."""
    lines = [line.strip() for line in output.decode(errors="replace").splitlines()]
    return " | ".join([line for line in lines if line][-count:]) or "none"


def env_for(endpoint_url, ca=None):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TABLE_NAME": TABLE, "DYNAMODB_ENDPOINT": endpoint_url, "AWS_REGION": "us-east-1",
        "API_KEY_CACHE_TTL_SECONDS": "600", "PUBLIC_BASE_URL": "https://pay.example",
        # As template.yaml deploys them: every request writes its line, and pays for it.
        "AWS_LAMBDA_LOG_LEVEL": "info", "AWS_LAMBDA_LOG_FORMAT": "JSON",
        # The seeded webhook endpoint's receiver listens on loopback (Receiver).
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
    }
    if ca:
        env["SSL_CERT_FILE"] = str(ca)
    return env


def cold_start(bootstrap, env, make_event, wrapper=None, observe=None):
    """Spawn of emulator + bootstrap until the first response (first DynamoDB call included);
    `observe`, if given, sees the function after its answer, before it stops."""
    function, (status, payload) = first_answer(bootstrap, env, make_event, wrapper)
    try:
        elapsed = (time.perf_counter() - function.started) * 1000
        if not answered_as_expected(make_event, payload):
            raise RuntimeError(f"cold start answered {status}: {payload}")
        if observe:
            observe(function)
        return elapsed
    finally:
        function.stop()


def first_answer(bootstrap, env, make_event, wrapper=None, attempts=3):
    """A function that has answered its first request, and that answer. Now and then the
    emulator answers 502 to a start: it spawns the bootstrap before its Runtime API server is
    listening (its debug log: "Start runtime", then "Runtime API Server listening" 8 ms later
    on a loaded machine), the bootstrap's first poll of /next is refused ("tcp connect error
    ... Connection refused"), and the runtime exits with status 1 (seen: 2 of 300 starts of
    the floor while the test suite ran beside it, 2026-12-02; about one start a full run
    otherwise). Lambda's Runtime API is up before a runtime starts, so this is the emulator's
    race, not the function's. Under heavy load the emulator has also reset the connection
    (seen once, 2026-12-01). Such a start is retried, and said, with the last lines of the
    emulator's stderr (its own errors; the bootstrap's output goes to the emulator's stdout,
    which the bench discards so that no figure carries the cost of keeping it)."""
    for attempt in range(attempts):
        function = Function(bootstrap, env, wrapper)
        try:
            return function, function.invoke(make_event())
        except (RuntimeError, ConnectionError, http.client.HTTPException) as error:
            time.sleep(0.2)  # the emulator logs the runtime's exit just after its answer
            stderr = function.error_output()
            function.stop()
            print(f"  start of {bootstrap.name} failed ({error}; stderr: {stderr}); retrying",
                  file=sys.stderr)
            if attempt == attempts - 1:
                raise


def warm(bootstrap, env, make_event, requests, wrapper=None):
    """Latencies (ms) of `requests` warm invocations of one process, after one cold one; and the
    process's peak RSS after them."""
    function, (status, payload) = first_answer(bootstrap, env, make_event, wrapper)
    try:
        if not answered_as_expected(make_event, payload):
            raise RuntimeError(f"first request answered {status}: {payload}")
        latencies = []
        for _ in range(requests):
            e = make_event()
            started = time.perf_counter()
            status, payload = function.invoke(e)
            latencies.append((time.perf_counter() - started) * 1000)
            if not answered_as_expected(make_event, payload):
                raise RuntimeError(f"warm request answered {status}: {payload}")
        return latencies, function.peak_rss_kib()
    finally:
        function.stop()


def with_extra(env, extra):
    """A subject's environment: the table's, plus what the subject alone needs."""
    return {**env, **(extra[0] if extra else {})}
