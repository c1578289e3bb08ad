"""The commet-sdk release on PYTHONPATH, pointed at this service, for the SDK check scripts.

`release`, `sdk_version` (the API version the release sends) and `tag` (unique per run, so that
a check can run again); `point_at(origin)` makes the SDK talk to this service and returns the
set that every answer's `Commet-Version` goes into.
"""

import importlib.metadata
import uuid

import commet._http
import commet._shared
import httpx

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
