"""Drives a release of Commet's Python SDK from before 2026-06-07, unchanged, against this service.

Those releases (commet-sdk 1.10.0 and 2.0.0, which send no version and call the API without
`/v1`, answered as 2026-05-01; 3.1.0: 2026-05-01; 4.6.0: 2026-05-18, answered as 2026-05-01;
and 5.5.0: 2026-05-25) have the older customer model, whose e-mail is `billingEmail`, and no
payments; 5.x also has invoices. scripts/walkthrough.sh runs this script once per release, each
installed into a folder of its own on PYTHONPATH. It goes through what the release can call of
this service: customers (create, a create again by its own id, get, update, list, a batch, a
field this service does not keep, a search, and up to 3.x an archive) and, where the release
has them, invoices (list, get, a credit, its status change, a PDF link) and webhook endpoints,
else its signature check of a delivery; and checks that every answer came in the version the
release gets.
Usage: sdk_legacy_python_check.py <origin> <api key of an account with an invoice>; prints
"python sdk <release> (<version>): ok" when all held.
"""

import sys

import commet._resource_mixins
import httpx
from commet import Commet
from commet._exceptions import CommetAPIError, CommetValidationError
from sdk_under_test import (
    answered_as,
    check_verify,
    check_webhooks,
    point_at,
    release,
    sdk_version,
    tag,
)

origin, api_key = sys.argv[1:]
# Every answer to the SDK must be shaped by the version the SDK asks for.
answered_in = point_at(origin)
assert answered_as < "2026-06-07", f"{release} speaks {sdk_version}: use sdk_python_check.py"
client = Commet(api_key)


def data(answer):
    assert answer.success is True, answer
    return answer.data


def refused(call, status=None, field=None):
    """The call fails with `status`, or as a validation error on `field`."""
    try:
        call()
    except CommetValidationError as error:
        assert field in error.validation_errors, error.validation_errors
        return
    except CommetAPIError as error:
        assert status is not None and error.status_code == status, error
        return
    raise AssertionError(f"expected {status or field} to be refused")


def check_customers():
    email = f"legacy-{tag}@example.com"
    customer = data(client.customers.create(email=email, id=f"legacy-{tag}", full_name="Ada"))
    assert (customer.billing_email, customer.full_name) == (email, "Ada"), customer
    assert customer.organization_id.startswith("acct_"), customer
    # 5.x sends the SDK's `id` as `id`: a create again by it answers the customer. Releases
    # before send it as `externalId`, which another customer cannot take.
    sent = commet._resource_mixins.build_customer_create_body(email=email, id=f"legacy-{tag}")
    if "id" in sent:
        again = data(client.customers.create(email=email, id=f"legacy-{tag}"))
        assert again.id == customer.id, (customer, again)
    else:
        refused(lambda: client.customers.create(email=email, id=f"legacy-{tag}"), 409)
    assert data(client.customers.get(f"legacy-{tag}")).id == customer.id
    renamed = data(client.customers.update(customer.id, email=f"renamed-{tag}@example.com",
                                           full_name="Ada King", timezone="Europe/London"))
    assert (renamed.billing_email, renamed.full_name, renamed.timezone) == (
        f"renamed-{tag}@example.com", "Ada King", "Europe/London"), renamed
    assert data(client.customers.get(customer.id)).billing_email == f"renamed-{tag}@example.com"
    listed = data(client.customers.list(limit=1))
    assert len(listed) == 1 and listed[0].billing_email, listed
    searched = data(client.customers.list(search=f"RENAMED-{tag}"))
    assert [c.id for c in searched] == [customer.id], searched
    refused(lambda: client.customers.get("cus_00000000000000000000000000"), 404)
    refused(lambda: client.customers.create(email=email, domain="example.com"), field="domain")
    batch = client.customers.create_batch([
        {"email": f"legacy-batch-{tag}@example.com", "id": f"legacy-batch-{tag}"},
        {"full_name": "No E-mail"}]).data
    # Releases before 5.x hand back the batch's answer as it came; 5.x as CustomersBatchResult.
    successful = batch["successful"] if isinstance(batch, dict) else batch.successful
    failed = batch["failed"] if isinstance(batch, dict) else batch.failed
    emails = [c["billing_email"] if isinstance(c, dict) else c.billing_email for c in successful]
    assert emails == [f"legacy-batch-{tag}@example.com"], batch
    assert [f["index"] for f in failed] == [1] and "billingEmail" in failed[0]["error"], batch
    if hasattr(client.customers, "archive"):  # up to 3.x
        batched = successful[0]["id"]
        archived = data(client.customers.archive(batched))
        assert (archived.id, archived.is_active) == (batched, False), archived
        assert batched in [c.id for c in data(client.customers.list(is_active=False))]
        assert batched not in [c.id for c in data(client.customers.list(is_active=True))]
    return customer


def check_invoices(customer):
    invoices = data(client.invoices.list(limit=10))
    assert invoices and all(i.invoice_number.startswith("INV-") for i in invoices), invoices
    whole = data(client.invoices.get(invoices[0].id))
    assert whole.id == invoices[0].id and whole.line_items, whole
    credit = data(client.invoices.create_adjustment(customer_id=customer.id, amount=-300,
                                                    description="Goodwill credit"))
    assert (credit.status, credit.total, credit.customer_id) == ("outstanding", -300,
                                                                 customer.id), credit
    voided = data(client.invoices.update_status(credit.id, status="void"))
    assert (voided.id, voided.status) == (credit.id, "void"), voided
    link = data(client.invoices.get_download_url(whole.id))
    assert httpx.get(link.url).content.startswith(b"%PDF-"), link


customer = check_customers()
if hasattr(client, "invoices"):
    check_invoices(customer)
if hasattr(client.webhooks, "create"):
    check_webhooks(client, data)
else:  # before 5.x a release's webhooks are only its own verify
    check_verify(client, origin, api_key)
assert answered_in == {answered_as}, answered_in
print(f"python sdk {release} ({sdk_version or 'no version'}): ok")
