"""Runs localstripe (PyPI, a Stripe emulator) on 127.0.0.1:<port> only.

Its own entry point binds every interface (`::`) and writes its whole state to
/tmp/localstripe.pickle on every change, which two instances would share; this keeps the state in
memory, per process.

    python3 tools/localstripe_server.py <port>
"""

import sys

from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None

web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
