"""Drives an older release of Commet's Python SDK, unchanged, against this service.

The README's walkthrough runs commet-sdk 9.7.0 (API 2026-08-27); scripts/walkthrough.sh runs this
script once more for each older release that speaks another API version (6.0.0: 2026-06-07,
7.0.0: 2026-06-10, 7.10.0: 2026-07-11, 8.0.0: 2026-07-24, 9.3.0: 2026-07-31), each installed into
a folder of its own on PYTHONPATH (releases before 2026-06-07: sdk_legacy_python_check.py). It
goes through what that release can call of this service: customers, links, listing pages,
cancel, the hosted page, a charge and its refund, a declined charge, invoices (a status change, a
send, a credit and its sixth mail throttled), errors, and webhooks (6.0.0 and 7.0.0 have no
payments),
and checks that every answer came in the release's own version. Usage: sdk_python_check.py
<origin> <api key of an account with an invoice>; prints "python sdk <release> (<version>): ok"
when all held."""

import inspect
import io
import re
import sys

import httpx
import pypdf
from commet import Commet, CommetAPIError
from sdk_under_test import check_webhooks, point_at, release, sdk_version, tag

origin, api_key = sys.argv[1:]
# Every answer to the SDK must be shaped by the version the SDK asks for.
answered_in = point_at(origin)
client = Commet(api_key)


def unwrapped(answer):
    """The object itself: up to 2026-07-11 the SDK hands back the `{success, data}` envelope."""
    if sdk_version <= "2026-07-11":
        assert answer.success is True, answer
        return answer.data
    return answer


def refused(call, status, code):
    try:
        call()
    except CommetAPIError as error:
        assert (error.status_code, error.code) == (status, code), (error.status_code, error.code)
        return error
    raise AssertionError(f"expected {status} {code}")


def pay_on_page(url, card):
    """What a payer's browser does: open the page, post the form with its anti-forgery token."""
    with httpx.Client() as browser:
        page = browser.get(url).text
        token = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        form = {"csrf": token, "card_number": card, "expiry": "12/34", "cvc": "123"}
        return re.search(r"<h1>([^<]*)</h1>", browser.post(url, data=form).text).group(1)


def check_customers():
    customer = unwrapped(client.customers.create(
        email=f"sdk-{tag}@example.com", external_id=f"sdk-{tag}", full_name="Ada Lovelace",
        address={"line1": "1 King's Cross", "city": "London", "postal_code": "N1C 4AX",
                 "country": "GB"}))
    assert (customer.email, customer.external_id) == (f"sdk-{tag}@example.com", f"sdk-{tag}")
    assert unwrapped(client.customers.get(f"sdk-{tag}")).id == customer.id
    assert len(client.customers.list(limit=1).data) == 1
    refused(lambda: client.customers.get("cus_00000000000000000000000000"), 404,
            "customer_not_found")
    # A customer created by its own `id`: made once, and the answer when created by it again.
    own, again = (unwrapped(client.customers.create(email=f"sdk-own-{tag}@example.com",
                                                    id=f"sdk-own-{tag}")) for _ in range(2))
    assert (again.id, own.external_id) == (own.id, f"sdk-own-{tag}"), (own, again)
    # A tax document kept and changed, where the release sends one (from 7.10.0).
    if "tax_document" in inspect.signature(client.customers.create).parameters:
        taxed = unwrapped(client.customers.create(email=f"sdk-tax-{tag}@example.com",
                                                  tax_document="20-12345678-9"))
        assert taxed.tax_document == "20-12345678-9", taxed
        changed = unwrapped(client.customers.update(taxed.id, tax_document="GB 123 4567 89"))
        assert changed.tax_document == "GB 123 4567 89", changed
    # The release's own update (PUT up to 7.x, PATCH from 8.0): the external id moved and back.
    moved = unwrapped(client.customers.update(
        customer.id, full_name="Ada King", external_id=f"sdk-moved-{tag}",
        timezone="Europe/London", metadata={"title": "Countess", "seats": 3, "beta": True}))
    assert (moved.full_name, moved.external_id, moved.timezone) == (
        "Ada King", f"sdk-moved-{tag}", "Europe/London"), moved
    assert moved.metadata == {"title": "Countess", "seats": 3, "beta": True}, moved
    refused(lambda: client.customers.get(f"sdk-{tag}"), 404, "customer_not_found")
    back = unwrapped(client.customers.update(f"sdk-moved-{tag}", external_id=f"sdk-{tag}"))
    assert (back.id, back.full_name) == (customer.id, "Ada King"), back
    refused(lambda: client.customers.update("cus_00000000000000000000000000", full_name="X"),
            404, "customer_not_found")
    # A batch: the valid customer created, the one without an e-mail answered by its index.
    batch = unwrapped(client.customers.create_batch(customers=[
        {"email": f"sdk-batch-{tag}@example.com", "external_id": f"sdk-batch-{tag}"},
        {"full_name": "No E-mail"}]))
    assert [c.email for c in batch.successful] == [f"sdk-batch-{tag}@example.com"], batch
    assert [f.index for f in batch.failed] == [1], batch
    assert unwrapped(client.customers.get(f"sdk-batch-{tag}")).id == batch.successful[0].id
    return back


def check_payments(customer):
    link = unwrapped(client.payments.create(amount=5000, currency="gbp", description="SDK order",
                                            customer_id=f"sdk-{tag}"))
    assert (link.status, link.customer_id) == ("pending", customer.id), link
    assert link.amount_total == 5000 + link.tax_amount
    spare = unwrapped(client.payments.create(amount=100, currency="usd", description="Spare"))
    first = client.payments.list(limit=1)
    rest = client.payments.list(limit=1, cursor=first.next_cursor)
    assert first.has_more and rest.data[0].id != first.data[0].id
    assert unwrapped(client.payments.cancel(spare.id)).status == "canceled"
    assert unwrapped(client.payments.cancel(spare.id)).status == "canceled"
    refused(lambda: client.payments.get("pay_00000000000000000000000000"), 404,
            "payment_not_found")

    assert pay_on_page(link.url, "4242 4242 4242 4242") == "Paid"
    assert unwrapped(client.payments.get(link.id)).status == "succeeded"
    charge = unwrapped(client.payments.charge(customer_id=customer.id, amount=1000,
                                              currency="gbp", description="Refill"))
    assert (charge.status, charge.kind) == ("succeeded", "charge"), charge
    # Refunded in full through transactions.refund, by its transaction's id: the transaction
    # `refunded` up to 2026-07-11, the refund itself from 2026-07-24; a second one is refused.
    transaction = charge.id.replace("pay_", "txn_", 1)
    refund = unwrapped(client.transactions.refund(transaction))
    if sdk_version <= "2026-07-11":
        assert (refund.id, refund.status, refund.object) == (transaction, "refunded",
                                                             "transaction"), refund
    else:
        assert (refund.transaction_id, refund.amount, refund.status, refund.object) == (
            transaction, charge.amount_total, "succeeded", "refund"), refund
    refused(lambda: client.transactions.refund(charge.id), 409, "transaction_not_refundable")
    read = unwrapped(client.transactions.get(transaction))
    assert (read.id, read.status, read.gross_amount, read.presentment_amount) == (
        transaction, "refunded", None, charge.amount_total), read  # in pounds: no USD figure
    # Listed by status and by the customer's address: this run's refund is the newest.
    listed = client.transactions.list(status="refunded", customer_email=customer.email, limit=1)
    assert [found.id for found in listed.data] == [transaction], listed
    # 8.x and 9.3 list a TransactionListItem: the fields it has are the read's.
    listed_item = vars(listed.data[0])
    assert listed_item == {name: getattr(read, name) for name in listed_item}, (listed_item, read)

    # The dispute card pays, and its payment is disputed at once: the SDK reads its transaction
    # `disputed`, and a refund is refused.
    payer = unwrapped(client.customers.create(email=f"sdk-dispute-{tag}@example.com"))
    contested = unwrapped(client.payments.create(amount=700, currency="usd", description="Gift",
                                                 customer_id=payer.id))
    assert pay_on_page(contested.url, "4000 0000 0000 0259") == "Paid"
    contested = contested.id.replace("pay_", "txn_", 1)
    assert unwrapped(client.transactions.get(contested)).status == "disputed"
    refused(lambda: client.transactions.refund(contested), 409, "transaction_not_refundable")

    # A card that declines off-session: the charge raises payment_failed, its invoice is left
    # outstanding, and marking it paid works once.
    grace = unwrapped(client.customers.create(email=f"sdk-grace-{tag}@example.com",
                                              full_name="Анна Петрова"))
    trial = unwrapped(client.payments.create(amount=500, currency="usd", description="Trial",
                                             customer_id=grace.id))
    assert pay_on_page(trial.url, "4000 0000 0000 0341") == "Paid"
    declined = refused(lambda: client.payments.charge(
        customer_id=grace.id, amount=2000, currency="inr", description="Month 1 月額プラン"),
        402, "payment_failed")
    invoice_id = declined.details["invoiceId"]
    outstanding = client.invoices.list(customer_id=grace.id, status="outstanding").data
    assert [invoice.id for invoice in outstanding] == [invoice_id], outstanding
    assert unwrapped(client.invoices.update_status(invoice_id, status="paid")).status == "paid"
    refused(lambda: client.invoices.update_status(invoice_id, status="void"), 409,
            "invoice_not_outstanding")
    # Its PDF has text beyond the base fonts' WinAnsi (a Cyrillic name, the rupee sign) in the
    # embedded font, and Japanese in the standard Japanese font, which another reader than ours
    # reads back.
    text = pdf_text(unwrapped(client.invoices.get_download_url(invoice_id)).url)
    for part in ["Анна Петрова", "₹20.00", "Month 1 月額プラン", "PAID"]:
        assert part in text, (part, text)


def pdf_text(url):
    pdf = httpx.get(url)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf
    return pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def check_invoices():
    invoices = client.invoices.list(limit=1).data
    assert invoices, "the account has no invoice to read (the walkthrough's Node check makes some)"
    assert unwrapped(client.invoices.get(invoices[0].id)).id == invoices[0].id
    refused(lambda: client.invoices.get("inv_00000000000000000000000000"), 404,
            "invoice_not_found")
    paid = client.invoices.list(status="paid", limit=1).data
    assert paid, "the account has no paid invoice to send (the walkthrough's Node check pays some)"
    # Each release run mails this same invoice once: five runs at most before the sixth would
    # be throttled (429; one invoice is mailed at most 5 times at once).
    sent = unwrapped(client.invoices.send(paid[0].id))
    assert sent.sent is True and sent.sent_at, sent
    assert sent.object == ("invoice" if sdk_version <= "2026-07-11" else "invoice_delivery"), sent
    # The release's own download call (GET .../download up to 7.x, POST .../download-links from
    # 8.0): a URL that serves the PDF without a key, which another reader than ours reads.
    download = unwrapped(client.invoices.get_download_url(paid[0].id))
    assert download.expires_at and download.url.startswith(origin), download
    text = pdf_text(download.url)
    assert paid[0].invoice_number in text and "PAID" in text, text

    # An adjustment (createAdjustment): a credit, once per key, for a customer of this release
    # (each release mails it five times; one customer is mailed at most 20 invoices at once).
    credited = unwrapped(client.customers.create(email=f"sdk-credit-{tag}@example.com"))
    credit = unwrapped(client.invoices.create_adjustment(
        customer_id=credited.id, amount=-750, description="SDK credit",
        metadata={"ticket": "7"}, idempotency_key=f"sdk-credit-{tag}"))
    again = unwrapped(client.invoices.create_adjustment(
        customer_id=credited.id, amount=-750, description="SDK credit",
        metadata={"ticket": "7"}, idempotency_key=f"sdk-credit-{tag}"))
    assert again.id == credit.id, (again, credit)
    assert (credit.invoice_type, credit.status, credit.total) == ("adjustment", "outstanding",
                                                                   -750), credit
    whole = unwrapped(client.invoices.get(credit.id))
    assert whole.line_items[0].line_type == "credit" and whole.metadata == {"ticket": "7"}, whole
    refused(lambda: client.invoices.create_adjustment(
        customer_id="cus_00000000000000000000000000", amount=100, description="x"), 404,
        "customer_not_found")

    # Mailed five times at once, the credit's sixth mail is throttled: 429 rate_limited, heard at
    # once by a client without retries (the SDK's own would wait out up to 30 s of it, thrice).
    for _ in range(5):
        assert unwrapped(client.invoices.send(credit.id)).sent is True
    hasty = Commet(api_key, retries=0)
    refused(lambda: hasty.invoices.send(credit.id), 429, "rate_limited")


customer = check_customers()
if hasattr(client, "payments"):
    check_payments(customer)
check_invoices()
check_webhooks(client, unwrapped)
assert answered_in == {sdk_version}, answered_in
print(f"python sdk {release} ({sdk_version}): ok")
