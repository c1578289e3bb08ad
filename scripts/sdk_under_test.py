"""The commet-sdk release on PYTHONPATH, pointed at this service, for the SDK check scripts.

`release`, `sdk_version` (the API version the release sends) and `tag` (unique per run, so that
a check can run again); `point_at(origin)` makes the SDK talk to this service and returns the
set that every answer's `Commet-Version` goes into; `check_webhooks` goes through the release's
webhook endpoints.
"""

import http.server
import importlib.metadata
import queue
import threading
import uuid

import commet._http
import commet._shared
import httpx
from commet._exceptions import CommetAPIError

release = importlib.metadata.version("commet-sdk")
sdk_version = commet._shared.API_VERSION
tag = f"{release.replace('.', '-')}-{uuid.uuid4().hex[:8]}"


def point_at(origin):
    # The SDK has its origin built in (https://commet.co); this is the one line every reader
    # changes.
    for module in (commet._http, commet._shared):
        if hasattr(module, "_BASE_URL"):
            module._BASE_URL = origin
    answered_in = set()
    send = httpx.Client.send

    def recording_send(self, request, **kwargs):
        response = send(self, request, **kwargs)
        if "commet-version" in request.headers:  # not a PDF's own download
            assert request.headers["commet-version"] == sdk_version, request.headers
            answered_in.add(response.headers.get("commet-version"))
        return response

    httpx.Client.send = recording_send
    return answered_in


def check_webhooks(client, unwrap):
    """An endpoint made, a test delivery received and checked with the SDK's own verify, the
    endpoint changed, listed, deleted and gone. `unwrap` takes an answer to its object."""
    deliveries = queue.Queue()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"])).decode()
            deliveries.put((body, self.headers["x-commet-signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        hook = unwrap(client.webhooks.create(
            url=f"http://127.0.0.1:{receiver.server_port}/sdk-{tag}",
            events=["payment_link.completed"]))
        assert unwrap(client.webhooks.test(hook.id)).success is True
        body, signature = deliveries.get(timeout=30)
        assert client.webhooks.verify(payload=body, signature=signature, secret=hook.secret_key)
        assert not client.webhooks.verify(payload=body + " ", signature=signature,
                                          secret=hook.secret_key)
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
    finally:
        receiver.shutdown()
