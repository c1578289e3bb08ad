"""The commet-sdk release on PYTHONPATH, pointed at this service, for the SDK check scripts.

`release`, `sdk_version` (the API version the release sends; None before 3.0, whose releases
send none and call the API without `/v1`), `answered_as` (the version this service answers the
release in) and `tag` (unique per run, so that a check can run again); `point_at(origin)` makes
the SDK talk to this service and returns the set that every answer's `Commet-Version` goes into;
`check_webhooks` goes through the release's webhook endpoints, `check_verify` through the
signature check of a release that has only that.
"""

import http.server
import importlib.metadata
import json
import queue
import threading
import urllib.request
import uuid

import commet._http
import commet._shared
import httpx
from commet._exceptions import CommetAPIError

release = importlib.metadata.version("commet-sdk")
sdk_version = getattr(commet._shared, "API_VERSION", None)
# 4.x's 2026-05-18 is answered as the release before it; no version at all as the first one.
answered_as = {None: "2026-05-01", "2026-05-18": "2026-05-01"}.get(sdk_version, sdk_version)
tag = f"{release.replace('.', '-')}-{uuid.uuid4().hex[:8]}"


def point_at(origin):
    # The SDK has its origin built in (https://commet.co; before 2.0, one per environment);
    # this is the one line every reader changes.
    for module in (commet._http, commet._shared):
        if hasattr(module, "_BASE_URL"):
            module._BASE_URL = origin
    for environment in getattr(commet._shared, "_BASE_URLS", {}):
        commet._shared._BASE_URLS[environment] = origin
    answered_in = set()
    send = httpx.Client.send

    def recording_send(self, request, **kwargs):
        response = send(self, request, **kwargs)
        if request.url.path.startswith("/api/"):  # not a PDF's own download
            assert request.headers.get("commet-version") == sdk_version, request.headers
            answered_in.add(response.headers.get("commet-version"))
        return response

    httpx.Client.send = recording_send
    return answered_in


class _Receiver:
    """A webhook endpoint on 127.0.0.1: what it was sent, as (body, signature)."""

    def __init__(self):
        deliveries = self.deliveries = queue.Queue()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                deliveries.put((body, self.headers["x-commet-signature"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sdk-{tag}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def _assert_verifies(client, delivery, secret):
    body, signature = delivery
    assert client.webhooks.verify(payload=body, signature=signature, secret=secret)
    assert not client.webhooks.verify(payload=body + " ", signature=signature, secret=secret)


def check_webhooks(client, unwrap):
    """An endpoint made, a test delivery received and checked with the SDK's own verify, the
    endpoint changed, listed, deleted and gone. `unwrap` takes an answer to its object."""
    with _Receiver() as receiver:
        hook = unwrap(client.webhooks.create(url=receiver.url, events=["payment_link.completed"]))
        assert unwrap(client.webhooks.test(hook.id)).success is True
        _assert_verifies(client, receiver.deliveries.get(timeout=30), hook.secret_key)
        # The release's own update (PUT up to 7.x, PATCH from 8.0): described, then paused.
        described = unwrap(client.webhooks.update(hook.id, description=f"SDK {tag}"))
        assert (described.id, described.description) == (hook.id, f"SDK {tag}"), described
        paused = unwrap(client.webhooks.update(hook.id, is_active=False))
        assert (paused.is_active, paused.description) == (False, f"SDK {tag}"), paused
        assert unwrap(client.webhooks.get(hook.id)).is_active is False
        assert hook.id in [endpoint.id for endpoint in client.webhooks.list().data]
        client.webhooks.delete(hook.id)
        try:
            client.webhooks.get(hook.id)
        except CommetAPIError as error:
            assert error.status_code == 404, error
        else:
            raise AssertionError("a deleted webhook endpoint was still found")


def check_verify(client, origin, api_key):
    """For a release whose webhooks are only its `verify`: an endpoint made through the API
    (as a merchant would in the dashboard), a test delivery checked with that verify."""

    def call(method, path, body=None):
        # Not through httpx, whose every request `point_at` counts as the SDK's. The version is
        # named: the account may be pinned to one that wraps objects.
        request = urllib.request.Request(
            f"{origin}/api/v1{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"x-api-key": api_key, "commet-version": "2026-08-27",
                     "content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    with _Receiver() as receiver:
        hook = call("POST", "/webhooks",
                    {"url": receiver.url, "events": ["payment_link.completed"]})
        try:
            call("POST", f"/webhooks/{hook['id']}/test")
            _assert_verifies(client, receiver.deliveries.get(timeout=30), hook["secretKey"])
        finally:
            call("DELETE", f"/webhooks/{hook['id']}")
