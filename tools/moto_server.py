"""Runs moto's server on 127.0.0.1:<port> only (the trailing arguments are markers for
scripts/lib.sh and are ignored).

    python3 tools/moto_server.py <port> [--commet-owner <pid>]
"""

import sys

from moto.server import main

main(["-H", "127.0.0.1", "-p", sys.argv[1]])
