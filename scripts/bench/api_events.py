"""API Gateway events for the functions: one factory per benchmarked endpoint, and what each
answers when it does its job."""

import hashlib
import itertools
import hmac
import json
import time


def event(method, path, key, body=None, query=""):
    headers = {"host": "127.0.0.1:3000", "x-api-key": key}
    if body is not None:
        headers["content-type"] = "application/json"
    e = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": "127.0.0.1",
            "domainPrefix": "bench", "requestId": "bench", "routeKey": "$default",
            "stage": "$default", "time": "26/Nov/2026:10:15:00 +0000", "timeEpoch": 0,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "bench"},
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        e["body"] = json.dumps(body)
    return e


OK = (200, 402)  # 402: a declined charge is the endpoint doing its job


def expecting(statuses, make_event):
    """An event factory whose endpoint answers one of `statuses` when it does its job (the
    default, for the rest, is OK)."""
    make_event.ok = statuses
    return make_event


def stream_batch(make_event):
    """An event factory of a stream batch: its function does its job when no record failed."""
    make_event.accepts = lambda answer: answer.get("batchItemFailures") == []
    return make_event


def answered_as_expected(make_event, answer):
    """Whether a function's answer to an event of `make_event` is the function doing its job: an
    API Gateway response with one of the statuses the factory expects, or what its own check
    accepts (`stream_batch`)."""
    accepts = getattr(make_event, "accepts", None)
    if accepts is not None:
        return accepts(answer)
    return answer.get("statusCode") in getattr(make_event, "ok", OK)


STRIPE_WEBHOOK_SECRET = "whsec_commet_payments_bench"


def stripe_event(account, payment):
    """Stripe's webhook: a PaymentIntent event naming a seeded (sandbox) payment, signed with a
    fresh timestamp as Stripe signs it. The function checks the signature, reads the payment
    (one GetItem) and acknowledges the event as not its Stripe payment's: the path every event
    takes up to the write a real charge's outcome adds."""
    body = json.dumps({
        "id": "evt_bench", "object": "event", "livemode": False, "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_bench", "object": "payment_intent", "amount": 2500,
                            "currency": "usd", "status": "succeeded",
                            "metadata": {"commet_account_id": account,
                                         "commet_payment_id": payment}}}})
    at = int(time.time())
    mac = hmac.new(STRIPE_WEBHOOK_SECRET.encode(), f"{at}.{body}".encode(), hashlib.sha256)
    e = event("POST", "/stripe/webhook", "none")
    e["headers"]["content-type"] = "application/json"
    e["headers"]["stripe-signature"] = f"t={at},v1={mac.hexdigest()}"
    e["body"] = body
    return e


class Endpoints:
    """For each benchmarked endpoint (every HTTP route of template.yaml): its binary, an event
    factory (fresh objects for writes that consume them), and the bare DynamoDB op that mirrors
    its calls (None where the bench has no mirror) with the seed account it runs on."""

    def __init__(self, seed):
        self.seed = seed
        small, work, hooks = seed["small"], seed["work"], seed["webhooks"]
        self.pools = {
            "cancel": list(work["cancelable"]),
            "refund": list(work["refundable"]),
            "invoice status": list(work["invoices"][1:]),
            "delete webhook": list(hooks["deletable"]),
        }
        creates = iter(range(len(hooks["creators"]) * hooks["creates_per_key"]))
        renames = itertools.count()
        mailed = itertools.cycle(work["invoices"])

        def creator():
            return hooks["creators"][next(creates) // hooks["creates_per_key"]]

        hook = f"/api/v1/webhooks/{hooks['webhook']}"
        self.table = {
            "get": ("get_payment", lambda: event(
                "GET", f"/api/v1/payments/{small['payment']}", small["key"]), "get", "small"),
            "list": ("list_payments", lambda: event(
                "GET", "/api/v1/payments", small["key"]), "list", "small"),
            "create link": ("create_payment", lambda: event(
                "POST", "/api/v1/payments", work["key"],
                {"amount": 2500, "currency": "usd", "description": "Benchmark order"}),
                "create", "work"),
            "cancel": ("cancel_payment", lambda: event(
                "POST", f"/api/v1/payments/{self.pools['cancel'].pop()}/cancel", work["key"]),
                "cancel", "work"),
            "charge": ("charge_payment", lambda: event(
                "POST", "/api/v1/payments/charge", work["key"],
                {"customerId": work["customer"], "amount": 1500, "currency": "usd",
                 "description": "Benchmark charge"}), "charge", "work"),
            # A paid link's transaction (read again once refunded: still 200).
            "get transaction": ("get_transaction", lambda: event(
                "GET", f"/api/v1/transactions/{work['refundable'][0]}", work["key"]),
                None, "work"),
            # The work account's transactions, a page of 25: a Query of its attempted payments,
            # then their customers read by key.
            "list transactions": ("list_transactions", lambda: event(
                "GET", "/api/v1/transactions", work["key"]), None, "work"),
            # A paid sandbox link refunded in full: one GetItem, one conditional UpdateItem.
            "refund": ("refund_transaction", lambda: event(
                "POST", f"/api/v1/transactions/{self.pools['refund'].pop()}/refund",
                work["key"]), None, "work"),
            "invoice status": ("update_invoice_status", lambda: event(
                "PUT", f"/api/v1/invoices/{self.pools['invoice status'].pop()}/status",
                work["key"], {"status": "paid"}), "invoice-status", "work"),
            "pay page": ("pay_page", lambda: event(
                "GET", f"/pay/{work['page']}", "none"), None, "work"),
            "get invoice": ("get_invoice", lambda: event(
                "GET", f"/api/v1/invoices/{work['invoices'][0]}", work["key"]), None, "work"),
            "list invoices": ("list_invoices", lambda: event(
                "GET", "/api/v1/invoices", work["key"]), None, "work"),
            # Each run mails the next invoice (one invoice is mailed at most 5 times at once, one
            # customer 20; the seed bills ten invoices to each customer):
            # outstanding, or paid by a status run, both of which may be sent.
            "send invoice": ("send_invoice", lambda: event(
                "POST", f"/api/v1/invoices/{next(mailed)}/send", work["key"]),
                None, "work"),
            # A credit for the bench customer, currency given (no look-up of their newest
            # invoice): the counter read, then one transaction.
            "create adjustment": ("create_invoice", lambda: event(
                "POST", "/api/v1/invoices", work["key"],
                {"customerId": work["customer"], "amount": -500, "currency": "usd",
                 "description": "Benchmark credit"}), None, "work"),
            "invoice download link": ("create_invoice_download_link", lambda: event(
                "POST", f"/api/v1/invoices/{work['invoices'][0]}/download-links", work["key"]),
                None, "work"),
            # Public (the token is the credential): the link, the invoice, the account and the
            # customer read, and the PDF made.
            "download invoice": ("download_invoice", lambda: event(
                "GET", f"/files/invoices/{work['download']}", "none"),
                None, "work"),
            "get customer": ("get_customer", lambda: event(
                "GET", f"/api/v1/customers/{work['customer']}", work["key"]), None, "work"),
            "list customers": ("list_customers", lambda: event(
                "GET", "/api/v1/customers", work["key"]), None, "work"),
            "create customer": ("create_customer", lambda: event(
                "POST", "/api/v1/customers", work["key"], {"email": "bench@example.com"}),
                None, "work"),
            "create customers (10)": ("create_customer_batch", lambda: event(
                "POST", "/api/v1/customers/batch", work["key"],
                {"customers": [{"email": f"bench-{n}@example.com"} for n in range(10)]}),
                None, "work"),
            # A new name each time: an update that gives the name the customer has writes
            # nothing, and would measure that instead.
            "update customer": ("update_customer", lambda: event(
                "PATCH", f"/api/v1/customers/{work['customer']}", work["key"],
                {"fullName": f"Benchmark Customer {next(renames)}"}), None, "work"),
            "get webhook": ("get_webhook", lambda: event("GET", hook, hooks["key"]), None,
                            "webhooks"),
            "list webhooks": ("list_webhooks", lambda: event(
                "GET", "/api/v1/webhooks", hooks["key"]), None, "webhooks"),
            "create webhook": ("create_webhook", lambda: event(
                "POST", "/api/v1/webhooks", creator(),
                {"url": "https://93.184.215.14/hooks/commet", "events": ["payment.received"]}),
                None, "webhooks"),
            "update webhook": ("update_webhook", lambda: event(
                "PATCH", hook, hooks["key"], {"description": "Benchmark"}), None, "webhooks"),
            "delete webhook": ("delete_webhook", lambda: event(
                "DELETE", f"/api/v1/webhooks/{self.pools['delete webhook'].pop()}",
                hooks["key"]), None, "webhooks"),
            "test webhook": ("test_webhook", lambda: event(
                "POST", f"{hook}/test", hooks["key"]), None, "webhooks"),
            "list deliveries": ("list_webhook_deliveries", lambda: event(
                "GET", f"{hook}/deliveries", hooks["key"]), None, "webhooks"),
            "retry delivery": ("retry_webhook_delivery", lambda: event(
                "POST", f"{hook}/deliveries/{hooks['delivery']}/retry", hooks["key"]), None,
                "webhooks"),
            "stripe webhook": ("stripe_webhook", lambda: stripe_event(
                small["account"], small["payment"]), None, "small"),
            "error docs": ("error_docs", lambda: event("GET", "/docs/errors", "none"), None,
                           "work"),
            "not found": ("not_found", expecting((404,), lambda: event(
                "GET", "/api/v1/nothing-here", "none")), None, "work"),
        }
