"""The merchant's webhook endpoint, on loopback: answers 204, counts what arrives and notes when
each event's object first arrived."""

import http.server
import json
import threading
import time


class Receiver:
    def __init__(self):
        self.received = 0
        # The first arrival (perf_counter) of each event's `data.id`.
        self.arrivals = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                arrived = time.perf_counter()
                receiver.note(body, arrived)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def note(self, body, arrived):
        try:
            data = json.loads(body).get("data") or {}
            object_id = data.get("id") if isinstance(data, dict) else None
        except (ValueError, AttributeError):
            object_id = None
        with self.lock:  # the server answers each connection on a thread of its own
            self.received += 1
            if object_id is not None:
                self.arrivals.setdefault(object_id, arrived)

    def arrived(self, object_ids):
        """When each of `object_ids` first arrived, for those that did."""
        with self.lock:
            return {i: self.arrivals[i] for i in object_ids if i in self.arrivals}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
