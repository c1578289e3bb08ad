// Drives Commet's own Node SDK, @commet/node 7.10.0 (API version 2026-07-11), unchanged, against
// this service: customers, links, the hosted page, listing pages, cancel, a charge and its
// refund, a declined charge, invoices (a send, a status change, a PDF download, a throttled sixth send).
// scripts/sdk_node_origin.mjs points the SDK here.
// Usage: node scripts/sdk_node_check.mjs <origin> <api key>. Prints "node sdk: ok" when all held.
import assert from "node:assert/strict";
import { API_VERSION, Commet, CommetAPIError } from "@commet/node";
import { pointFetchAt, realFetch } from "./sdk_node_origin.mjs";

const [origin, apiKey] = process.argv.slice(2);
const answeredIn = pointFetchAt(origin);

const commet = new Commet({ apiKey, retries: 0, telemetry: false });

async function payOnPage(url, card) {
  const page = await realFetch(url);
  const token = (await page.text()).match(/name="csrf" value="([^"]*)"/)[1];
  const cookie = page.headers.get("set-cookie").split(";")[0];
  const form = new URLSearchParams({ csrf: token, card_number: card, expiry: "12/34", cvc: "123" });
  const paid = await realFetch(url, { method: "POST", body: form, headers: { cookie } });
  return (await paid.text()).match(/<h1>([^<]*)<\/h1>/)[1];
}

const customer = await commet.customers.create({ email: "node@example.com", externalId: "node-1" });
assert.equal(customer.success, true);
const byExternalId = await commet.customers.get({ id: "node-1" });
assert.equal(byExternalId.data.id, customer.data.id);
// The SDK's update is a PUT: the name and the external id change, the old id is free.
const renamed = await commet.customers.update({ id: "node-1", fullName: "Node Renamed", externalId: "node-2" });
assert.equal(renamed.data.fullName, "Node Renamed");
assert.equal((await commet.customers.get({ id: "node-2" })).data.id, customer.data.id);
await commet.customers.update({ id: customer.data.id, externalId: "node-1" });
assert.equal((await commet.customers.get({ id: "node-1" })).data.fullName, "Node Renamed");
// A customer created by its own id: made once, and the answer when created by it again.
const own = await commet.customers.create({ email: "node-own@example.com", id: "node-own" });
const ownAgain = await commet.customers.create({ email: "node-own@example.com", id: "node-own" });
assert.equal(ownAgain.data.id, own.data.id);
assert.equal((await commet.customers.get({ id: "node-own" })).data.id, own.data.id);
// A tax document kept as written, and metadata that is not all strings kept as sent.
const taxed = await commet.customers.create({
  email: "node-tax@example.com", taxDocument: "20-12345678-9", metadata: { seats: 3, beta: true },
});
assert.equal(taxed.data.taxDocument, "20-12345678-9");
assert.deepEqual(taxed.data.metadata, { seats: 3, beta: true });
// A batch: the valid customer created, the one without an e-mail answered by its index.
const batch = await commet.customers.createBatch({
  customers: [{ email: "node-batch@example.com", externalId: "node-batch" }, { fullName: "No E-mail" }],
});
assert.deepEqual(batch.data.successful.map((c) => c.email), ["node-batch@example.com"]);
assert.deepEqual(batch.data.failed.map((f) => f.index), [1]);
assert.equal((await commet.customers.get({ id: "node-batch" })).data.id, batch.data.successful[0].id);

const link = await commet.payments.create({
  amount: 2500, currency: "usd", description: "Node order", customerId: "node-1",
});
assert.equal(link.data.status, "pending");
assert.equal((await commet.payments.get({ id: link.data.id })).data.id, link.data.id);
const spare = await commet.payments.create({ amount: 100, currency: "usd", description: "Spare" });
const page = await commet.payments.list({ limit: 1 });
assert.equal(page.data.length, 1);
assert.equal(page.hasMore, true);
const next = await commet.payments.list({ limit: 1, cursor: page.nextCursor });
assert.notEqual(next.data[0].id, page.data[0].id);
assert.equal((await commet.payments.cancel({ id: spare.data.id })).data.status, "canceled");

assert.equal(await payOnPage(link.data.url, "4242 4242 4242 4242"), "Paid");
const charge = await commet.payments.charge({
  customerId: customer.data.id, amount: 700, currency: "usd", description: "Refill",
});
assert.equal(charge.data.status, "succeeded");

const decliner = await commet.customers.create({ email: "decline@example.com" });
const trial = await commet.payments.create({
  amount: 300, currency: "usd", description: "Trial", customerId: decliner.data.id,
});
await payOnPage(trial.data.url, "4000 0000 0000 0341");
let invoiceId;
try {
  await commet.payments.charge({
    customerId: decliner.data.id, amount: 900, currency: "usd", description: "Month 1",
  });
  assert.fail("the charge should have declined");
} catch (error) {
  assert.ok(error instanceof CommetAPIError, String(error));
  assert.equal(error.statusCode, 402);
  assert.equal(error.code, "payment_failed");
  invoiceId = error.details.invoiceId;
}
const outstanding = await commet.invoices.list({ status: "outstanding" });
assert.deepEqual(outstanding.data.map((invoice) => invoice.id), [invoiceId]);
assert.equal((await commet.invoices.get({ id: invoiceId })).data.lineItems.length, 1);
// Sent while outstanding (a bill to decline@example.com), then voided: no longer sendable.
const sent = await commet.invoices.send({ id: invoiceId });
assert.equal(sent.data.sent, true);
assert.equal(sent.data.object, "invoice");
const settled = await commet.invoices.updateStatus({ id: invoiceId, status: "void" });
assert.equal(settled.data.status, "void");
// Its PDF, from a download link, still says what it is.
const download = await commet.invoices.getDownloadUrl({ id: invoiceId });
assert.equal(download.data.object, "invoice");
const pdf = await realFetch(download.data.url);
assert.equal(pdf.status, 200);
assert.equal(pdf.headers.get("content-type"), "application/pdf");
const bytes = Buffer.from(await pdf.arrayBuffer());
assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
assert.ok(bytes.includes("(VOID)"), "the PDF says void");
try {
  await commet.invoices.send({ id: invoiceId });
  assert.fail("a void invoice should not be sent");
} catch (error) {
  assert.ok(error instanceof CommetAPIError, String(error));
  assert.equal(error.code, "invoice_not_sendable");
}
// A credit for the same customer (createAdjustment, a negative amount): its PDF is a credit note.
const credit = await commet.invoices.createAdjustment({
  customerId: decliner.data.id, amount: -500, description: "Sorry for the decline",
});
assert.equal(credit.data.invoiceType, "adjustment");
assert.equal(credit.data.status, "outstanding");
assert.equal(credit.data.total, -500);
const creditLink = await commet.invoices.getDownloadUrl({ id: credit.data.id });
const creditPdf = Buffer.from(await (await realFetch(creditLink.data.url)).arrayBuffer());
assert.ok(creditPdf.includes("(Credit note " + credit.data.invoiceNumber + ")"), "a credit note");
assert.ok(creditPdf.includes("(-$5.00)"), "its amount credited");
// Mailed five times at once, the sixth is throttled: 429 rate_limited, as the SDK names it.
for (let n = 0; n < 5; n++) {
  assert.equal((await commet.invoices.send({ id: credit.data.id })).data.sent, true);
}
try {
  await commet.invoices.send({ id: credit.data.id });
  assert.fail("a sixth mail at once should be throttled");
} catch (error) {
  assert.ok(error instanceof CommetAPIError, String(error));
  assert.equal(error.statusCode, 429);
  assert.equal(error.code, "rate_limited");
}
// The charge refunded in full through `transactions.refund` (in 2026-07-11: the transaction,
// `refunded`), by its transaction's id, then read (`transactions.get`) and listed
// (`transactions.list`, by status); a second refund is refused with its own code. Retrying a
// subscription's renewal is not offered: 404 `not_found`, a route this service does not have.
const transaction = charge.data.id.replace("pay_", "txn_");
const refunded = await commet.transactions.refund({ id: transaction });
assert.deepEqual(refunded.data, {
  id: transaction, status: "refunded", object: "transaction", livemode: false,
});
const read = await commet.transactions.get({ id: transaction });
assert.equal(read.data.status, "refunded");
assert.equal(read.data.grossAmount, charge.data.amountTotal);
const listed = await commet.transactions.list({ status: "refunded", limit: 1 });
assert.deepEqual(listed.data, [read.data]);
// The dispute card pays, and its payment is disputed at once: listed as `disputed`, and its
// refund refused.
const payer = await commet.customers.create({ email: "dispute@example.com" });
const gift = await commet.payments.create({
  amount: 400, currency: "usd", description: "Gift", customerId: payer.data.id,
});
assert.equal(await payOnPage(gift.data.url, "4000 0000 0000 0259"), "Paid");
const contested = gift.data.id.replace("pay_", "txn_");
const disputed = await commet.transactions.list({ status: "disputed", limit: 1 });
assert.deepEqual(disputed.data.map((found) => [found.id, found.status]), [[contested, "disputed"]]);
for (const [call, status, code] of [
  [() => commet.transactions.refund({ id: charge.data.id }), 409, "transaction_not_refundable"],
  [() => commet.transactions.refund({ id: contested }), 409, "transaction_not_refundable"],
  [() => commet.transactions.retry({ id: transaction }), 404, "not_found"],
]) {
  try {
    await call();
    assert.fail(`expected ${code}`);
  } catch (error) {
    assert.ok(error instanceof CommetAPIError, String(error));
    assert.equal(error.statusCode, status);
    assert.equal(error.code, code);
  }
}
assert.deepEqual([...answeredIn], [API_VERSION]);
console.log("node sdk: ok");
