"""Schemathesis hooks for scripts/fuzz.sh.

`cargo lambda watch`'s emulator answers 500 itself, before any function runs, to a JSON body that
is not UTF-8 (API Gateway would base64-encode it instead). Such cases are not sent to it; the
functions' handling of them (400 invalid_json) is covered by tests/api/payments.rs with a
base64-encoded event, as API Gateway delivers one. It does the same to header values outside
ASCII (the coverage phase sends them to break the Idempotency-Key pattern); the functions'
answer to those (400 naming the header) is tested in tests/api/idempotency.rs.

Hosted-page posts that carry a `csrf` field (three in four of those that lack one get one) are made
to pass the page's double-submit check and to carry one of the sandbox's test cards (mostly the
one that pays), so that the fuzzer really pays links and then charges their customers (and the
logs scripts/log_secrets.py reads afterwards have card numbers to leak, if anything leaked them).
Schemathesis also reuses Idempotency-Key values across requests, which turns most writes into 409
idempotency_key_mismatch; a valid key is therefore suffixed with a digest of the request, so that
a repeated request replays and a different one runs (the mismatch itself is tested in
tests/api/idempotency.rs). Schemathesis reuses values it has sent before in other fields; a test
card number anywhere else (metadata, say) is the caller's own text, stored and rightly shown back,
so such cases are not sent: a card number in the logs can then only have come from the page.

Each run asks for one API version (FUZZ_VERSION); `version_family` fails any API answer that is
not in that version's shape family or does not say that version.
"""

import hashlib
import os
import re

import schemathesis

CSRF_COOKIE = "commet_csrf"
# The version each run asks for (scripts/fuzz.sh sends it as Commet-Version on every request).
EXPECTED_VERSION = os.environ.get("FUZZ_VERSION")
ENVELOPED_UP_TO = "2026-07-11"
FLAT_ERRORS_UP_TO = "2026-05-01"
# The sandbox's test cards (src/provider/sandbox.rs): success, decline, pays once then declines
# off-session, and one that asks for 3-D Secure. Success is listed more often: a link has to be
# paid before its customer can be charged off-session, the stateful phase's deepest path.
TEST_CARDS = [
    "4242 4242 4242 4242",
    "4242424242424242",
    "4242-4242-4242-4242",
    "4242 4242 4242 4242",
    "4000000000000002",
    "4000 0000 0000 0341",
    "4000002760003184",
]


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


def _card_outside_the_page(case):
    if case.path == "/pay/{id}":
        return False
    parts = [case.body, case.query, case.headers, case.path_parameters, case.cookies]
    text = re.sub("[ -]", "", repr(parts))
    return any(re.sub("[ -]", "", card) in text for card in TEST_CARDS)


def _ascii_headers(case):
    values = (case.headers or {}).values()
    return all(not isinstance(v, str) or v.isascii() for v in values)


@schemathesis.hook
def filter_case(context, case):
    return _utf8(case.body) and _ascii_headers(case) and not _card_outside_the_page(case)


IDEMPOTENCY_KEY = re.compile(r"^[!-~](?:[ -~]*[!-~])?$")


def _idempotency_key_per_request(case):
    headers = case.headers or {}
    for name, value in headers.items():
        if name.lower() == "idempotency-key" and isinstance(value, str):
            if IDEMPOTENCY_KEY.match(value) and len(value) <= 255:
                # The version too: the two runs share an account, and a replay of the other run's
                # answer rightly keeps that run's shape.
                request = repr(
                    (EXPECTED_VERSION, case.method, case.path, case.path_parameters, case.body)
                )
                digest = hashlib.sha256(request.encode()).hexdigest()[:12]
                headers[name] = value[:240] + "-" + digest
    return case


# The API's own origin (scripts/fuzz.sh): a loopback "receiver" that exists and answers at once.
API_ORIGIN = os.environ.get("FUZZ_API_ORIGIN")


def _webhook_url_that_resolves(case):
    """Random URLs almost never name a reachable public host, so almost every webhook create was
    refused and the other webhook operations only met 404s. Three bodies in four get a loopback
    URL (the fuzz run allows loopback) at the API itself: creates succeed, the stateful phase
    chains real endpoint ids, and test deliveries get a quick 405 from the API's fallback."""
    if API_ORIGIN is None or not case.path.startswith("/api/v1/webhooks"):
        return
    if case.method.upper() not in ("POST", "PUT", "PATCH") or not isinstance(case.body, dict):
        return
    if not isinstance(case.body.get("url"), str):
        return
    seed = hashlib.sha256(repr((case.path, case.body)).encode()).hexdigest()
    if int(seed[0], 16) % 4:
        case.body = {**case.body, "url": f"{API_ORIGIN}/docs/errors?hook={seed[:8]}"}


# What this run has made, read from the answers (after_call): links with a customer that are
# still pending, by id, and the customers whose link a post paid (so they have a card).
PENDING_LINKS = {}
CARDED_CUSTOMERS = []


def _answer_data(response):
    try:
        body = response.json()
    except ValueError:
        return None
    # Up to 2026-07-11 the object sits in the envelope's `data`.
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        body = body["data"]
    return body if isinstance(body, dict) else None


# Every listing's `nextCursor`s this run was given, with the request that listed them: a cursor
# continues only the listing (path and filters) that produced it.
LIST_PATHS = (
    "/api/v1/payments",
    "/api/v1/customers",
    "/api/customers",
    "/api/v1/invoices",
    "/api/v1/webhooks",
    "/api/v1/webhooks/{id}/deliveries",
)
NEXT_CURSORS = {}


def _remember_cursor(case, response):
    if case.method.upper() != "GET" or case.path not in LIST_PATHS or response.status_code != 200:
        return
    try:
        body = response.json()
    except ValueError:
        return
    cursor = body.get("nextCursor") if isinstance(body, dict) else None
    if isinstance(cursor, str):
        filters = {k: v for k, v in (case.query or {}).items() if k not in ("cursor", "limit")}
        seen = NEXT_CURSORS.setdefault(case.path, [])
        seen.append((dict(case.path_parameters or {}), filters, cursor))
        del seen[:-50]


@schemathesis.hook
def after_call(context, case, response):
    _remember_cursor(case, response)
    method = case.method.upper()
    if method == "POST" and case.path == "/api/v1/payments" and response.status_code == 200:
        link = _answer_data(response) or {}
        if isinstance(link.get("id"), str) and isinstance(link.get("customerId"), str):
            PENDING_LINKS[link["id"]] = link["customerId"]
    elif method == "POST" and case.path == "/pay/{id}" and response.status_code == 200:
        customer = PENDING_LINKS.pop(str((case.path_parameters or {}).get("id")), None)
        if customer is not None and customer not in CARDED_CUSTOMERS:
            CARDED_CUSTOMERS.append(customer)
    elif _no_longer_pending(method, case.path, response.status_code):
        # Page posts to it could only be refused.
        PENDING_LINKS.pop(str((case.path_parameters or {}).get("id")), None)


def _no_longer_pending(method, path, status):
    canceled = method == "POST" and path == "/api/v1/payments/{id}/cancel" and status == 200
    return canceled or (path == "/pay/{id}" and status == 410)


def _pick(options, case, salt):
    """One of `options` for three cases in four, chosen by the case; else None."""
    request = (salt, case.path_parameters, case.body, case.query)
    seed = hashlib.sha256(repr(request).encode()).digest()
    if not options or seed[0] % 4 == 0:
        return None
    return options[seed[1] % len(options)]


def _real_links_and_customers(case):
    """Random ids almost never name a link, and a charge needs a customer whose card a link saved:
    in the fuzzing phase every page post met 404 and no charge succeeded. Three page views and
    posts in four go to a pending link with a customer this run made, and three charges in four to
    a customer whose link a post paid; the rest of each request stays as generated."""
    method = case.method.upper()
    if method in ("GET", "POST") and case.path == "/pay/{id}":
        link = _pick(list(PENDING_LINKS), case, "link")
        if link is not None:
            case.path_parameters = {**(case.path_parameters or {}), "id": link}
    elif method == "POST" and case.path == "/api/v1/payments/charge":
        customer = _pick(CARDED_CUSTOMERS, case, "customer")
        if customer is not None and isinstance(case.body, dict):
            case.body = {**case.body, "customerId": customer}


def _real_cursors(case):
    """A generated cursor is refused (400: not the nextCursor of an earlier page of this
    listing, tested in tests/api/payments.rs), so a third of list requests never listed
    anything. Three in four that carry one continue a listing this run was given a nextCursor
    for, with that listing's filters and the generated limit, or, before there is one, ask for
    the first page."""
    if case.method.upper() != "GET" or case.path not in LIST_PATHS:
        return
    query = case.query or {}
    if "cursor" not in query:
        return
    earlier = _pick(NEXT_CURSORS.get(case.path, []), case, "cursor")
    if earlier is not None:
        path_parameters, filters, cursor = earlier
        case.path_parameters = {**(case.path_parameters or {}), **path_parameters}
        limit = {"limit": query["limit"]} if "limit" in query else {}
        case.query = {**filters, **limit, "cursor": cursor}
    elif _pick([True], case, "first page"):
        case.query = {k: v for k, v in query.items() if k != "cursor"}


AMOUNT_PATHS = ("/api/v1/payments", "/api/v1/payments/charge", "/api/v1/invoices")


def _whole_amounts_as_integers(case):
    """JSON Schema counts 2500.0 as an integer, so schemathesis writes about a quarter of the
    amounts it generates that way, and the API refuses them (money is a JSON integer; the refusal
    is tested in tests/api/payments.rs): a quarter of link creates and charges never got past
    validation. Three in four such amounts are sent as the integer they are."""
    if case.method.upper() != "POST" or case.path not in AMOUNT_PATHS:
        return
    if not isinstance(case.body, dict):
        return
    amount = case.body.get("amount")
    if isinstance(amount, float) and amount.is_integer() and _pick([True], case, "amount"):
        case.body = {**case.body, "amount": int(amount)}


@schemathesis.hook
def map_case(context, case):
    _idempotency_key_per_request(case)
    _webhook_url_that_resolves(case)
    _whole_amounts_as_integers(case)
    _real_links_and_customers(case)
    _real_cursors(case)
    if case.method.upper() == "POST" and case.path == "/pay/{id}" and isinstance(case.body, dict):
        # Schemathesis often leaves the optional csrf field out, which can only be refused (403,
        # tested directly); three posts in four without one are given one, so more reach payment.
        seed = repr((case.path_parameters, case.body)).encode()
        if "csrf" not in case.body and hashlib.sha256(seed).digest()[1] % 4:
            case.body = {**case.body, "csrf": "added"}
        if "csrf" in case.body:
            token = "fuzz-" + str(case.body["csrf"]).encode("ascii", "ignore").hex()[:32]
            # By the link and the body: schemathesis repeats bodies, and a pick by the body alone
            # gave every post of a run the same card.
            seed = repr((case.path_parameters, case.body)).encode()
            pick = hashlib.sha256(seed).digest()[0] % len(TEST_CARDS)
            case.body = {
                **case.body,
                "csrf": token,
                "card_number": TEST_CARDS[pick],
                "expiry": "12/34",
                "cvc": "123",
            }
            case.cookies = {**(case.cookies or {}), CSRF_COOKIE: token}
    return case


@schemathesis.check
def version_family(ctx, response, case):
    """openapi.yaml answers `anyOf` the two shape families; the version must select the branch."""
    if not case.path.startswith("/api/") or EXPECTED_VERSION is None:
        return None
    # cargo lambda's emulator answers some methods (TRACE) itself, before any function runs.
    if "x-request-id" not in response.headers:
        return None
    said = response.headers.get("commet-version")
    said = said[0] if isinstance(said, list) else said
    if said != EXPECTED_VERSION:
        raise AssertionError(f"asked for {EXPECTED_VERSION}, shaped by {said}")
    body = response.json()
    enveloped = EXPECTED_VERSION <= ENVELOPED_UP_TO
    # As Commet's SDKs tell the envelope: a boolean `success` beside `data` or `error`, or up to
    # 2026-05-01 beside an error's own `code` (a bare test delivery's answer has a `success` of
    # its own).
    flat_error = EXPECTED_VERSION <= FLAT_ERRORS_UP_TO and isinstance(body, dict) and "code" in body
    wrapped = (
        isinstance(body, dict)
        and isinstance(body.get("success"), bool)
        and ("data" in body or "error" in body or flat_error)
    )
    if enveloped != wrapped:
        raise AssertionError(f"version {EXPECTED_VERSION} answered in the other family: {body}")
    return None
