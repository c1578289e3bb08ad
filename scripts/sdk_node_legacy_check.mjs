// Drives Commet's Node SDK of API version 2026-05-25, @commet/node 5.5.1 (installed as
// @commet/node-5), unchanged, against this service. That release has the older customer model,
// whose e-mail is `billingEmail`, and no payments: this goes through customers (create, a create
// again by its own id, get, update, list, a search, a batch, a field this service does not keep) and
// invoices (list, get, a credit and its status change, a PDF link), and checks that every
// answer came in 2026-05-25 (scripts/sdk_node_origin.mjs points the SDK here).
// Usage: node scripts/sdk_node_legacy_check.mjs <origin> <api key of an account with an invoice>.
// Prints "node sdk 5.5.1 (2026-05-25): ok" when all held.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { API_VERSION, Commet, CommetValidationError, SDK_VERSION } from "@commet/node-5";
import { pointFetchAt, realFetch } from "./sdk_node_origin.mjs";

const [origin, apiKey] = process.argv.slice(2);
const tag = randomUUID().slice(0, 8); // unique: the check can run again
const answeredIn = pointFetchAt(origin);

const commet = new Commet({ apiKey, retries: 0, telemetry: false });
const data = (answer) => {
  assert.equal(answer.success, true, JSON.stringify(answer));
  return answer.data;
};

const email = `node5-${tag}@example.com`;
const customer = data(await commet.customers.create({ email, id: `node5-${tag}`, fullName: "Grace" }));
assert.equal(customer.billingEmail, email);
assert.equal(customer.fullName, "Grace");
assert.match(customer.organizationId, /^acct_/);
const again = data(await commet.customers.create({ email, id: `node5-${tag}` }));
assert.equal(again.id, customer.id, "a create again by its own id answers the customer");
assert.equal(data(await commet.customers.get({ id: `node5-${tag}` })).id, customer.id);
const renamed = data(
  await commet.customers.update({ id: customer.id, email: `renamed-${tag}@example.com`, fullName: "Grace H" }),
);
assert.equal(renamed.billingEmail, `renamed-${tag}@example.com`);
assert.equal(renamed.fullName, "Grace H");
assert.deepEqual(data(await commet.customers.list({ search: `RENAMED-${tag}` })).map((c) => c.id), [customer.id]);
const listed = await commet.customers.list({ limit: 1 });
assert.equal(listed.data.length, 1);
assert.ok(listed.data[0].billingEmail);
await assert.rejects(
  commet.customers.create({ email, industry: "Retail" }),
  (error) => error instanceof CommetValidationError && "industry" in error.validationErrors,
);
const batch = data(
  await commet.customers.createBatch({
    customers: [{ email: `node5-batch-${tag}@example.com`, id: `node5-batch-${tag}` }, { fullName: "No E-mail" }],
  }),
);
assert.deepEqual(batch.successful.map((c) => c.billingEmail), [`node5-batch-${tag}@example.com`]);
assert.deepEqual(batch.failed.map((f) => f.index), [1]);

const invoices = data(await commet.invoices.list({ limit: 10 }));
assert.ok(invoices.length > 0 && invoices.every((i) => i.invoiceNumber.startsWith("INV-")));
const whole = data(await commet.invoices.get({ id: invoices[0].id }));
assert.equal(whole.id, invoices[0].id);
assert.ok(whole.lineItems.length > 0);
const credit = data(
  await commet.invoices.createAdjustment({ customerId: customer.id, amount: -300, description: "Goodwill" }),
);
assert.deepEqual([credit.status, credit.total, credit.customerId], ["outstanding", -300, customer.id]);
const voided = data(await commet.invoices.updateStatus({ id: credit.id, status: "void" }));
assert.deepEqual([voided.id, voided.status], [credit.id, "void"]);
const link = data(await commet.invoices.getDownloadUrl({ id: whole.id }));
const pdf = Buffer.from(await (await realFetch(link.url)).arrayBuffer());
assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");

assert.deepEqual([...answeredIn], [API_VERSION]);
console.log(`node sdk ${SDK_VERSION} (${API_VERSION}): ok`);
