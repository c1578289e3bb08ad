"""Schemathesis hooks for scripts/fuzz.sh.

`cargo lambda watch`'s emulator answers 500 itself, before any function runs, to a JSON body that
is not UTF-8 (API Gateway would base64-encode it instead). Such cases are not sent to it; the
functions' handling of them (400 invalid_json) is covered by tests/api/payments.rs with a
base64-encoded event, as API Gateway delivers one.
"""

import schemathesis


def _utf8(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return False
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


@schemathesis.hook
def filter_case(context, case):
    return _utf8(case.body)
