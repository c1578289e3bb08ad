// Drives Commet's Node SDK from before API versions, @commet/node 1.10.1 (installed as
// @commet/node-1), unchanged, against this service. It sends no version and calls the API
// without `/v1`, where this service answers in the first version, 2026-05-01: customers with
// `billingEmail`, flat errors. This goes through what it can call here, customers (create, a
// create again by its own id, get, update, list, a search, a batch, a field this service does
// not keep, an archive), and its signature check of a webhook delivery, and checks that every
// answer came in 2026-05-01 (scripts/sdk_node_origin.mjs points the SDK here).
// Usage: node scripts/sdk_node_unversioned_check.mjs <origin> <api key>.
// Prints "node sdk 1.10.1 (no version): ok" when all held.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Commet, CommetAPIError, CommetValidationError, Webhooks } from "@commet/node-1";
import { pointFetchAt, realFetch } from "./sdk_node_origin.mjs";
import { startWebhookReceiver } from "./webhook_receiver.mjs";

const [origin, apiKey] = process.argv.slice(2);
const tag = randomUUID().slice(0, 8); // unique: the check can run again
const answeredIn = pointFetchAt(origin);

const commet = new Commet({ apiKey, environment: "production", retries: 0 });
const data = (answer) => {
  assert.equal(answer.success, true, JSON.stringify(answer));
  return answer.data;
};

const email = `node1-${tag}@example.com`;
const customer = data(await commet.customers.create({ email, id: `node1-${tag}`, fullName: "Hedy" }));
assert.equal(customer.billingEmail, email);
assert.equal(customer.fullName, "Hedy");
assert.match(customer.organizationId, /^acct_/);
// The SDK's `id` is sent as `externalId`, which another customer cannot take.
await assert.rejects(
  commet.customers.create({ email, id: `node1-${tag}` }),
  (error) => error instanceof CommetAPIError && error.statusCode === 409,
);
assert.equal(data(await commet.customers.get(`node1-${tag}`)).id, customer.id);
const renamed = data(
  await commet.customers.update({ customerId: customer.id, email: `renamed-${tag}@example.com`, fullName: "Hedy L" }),
);
assert.equal(renamed.billingEmail, `renamed-${tag}@example.com`);
assert.equal(renamed.fullName, "Hedy L");
assert.deepEqual(data(await commet.customers.list({ search: `RENAMED-${tag}` })).map((c) => c.id), [customer.id]);
const listed = await commet.customers.list({ limit: 1 });
assert.equal(listed.data.length, 1);
assert.ok(listed.data[0].billingEmail);
await assert.rejects(
  commet.customers.get("cus_00000000000000000000000000"),
  (error) => error instanceof CommetAPIError && error.statusCode === 404 && error.code === "customer_not_found",
);
await assert.rejects(
  commet.customers.create({ email, industry: "Retail" }),
  (error) => error instanceof CommetValidationError && "industry" in error.validationErrors,
);
const batch = data(
  await commet.customers.createBatch({
    customers: [{ email: `node1-batch-${tag}@example.com`, id: `node1-batch-${tag}` }, { fullName: "No E-mail" }],
  }),
);
assert.deepEqual(batch.successful.map((c) => c.billingEmail), [`node1-batch-${tag}@example.com`]);
assert.deepEqual(batch.failed.map((f) => f.index), [1]);
const archived = data(await commet.customers.archive(batch.successful[0].id));
assert.deepEqual([archived.id, archived.isActive], [batch.successful[0].id, false]);
const inactive = data(await commet.customers.list({ isActive: false }));
assert.ok(inactive.some((c) => c.id === archived.id));

// Its webhooks are only its verify: an endpoint made through the API (as in the dashboard), a
// test delivery checked with it.
const receiver = await startWebhookReceiver();
const api = (method, path, body) =>
  realFetch(`${origin}/api/v1${path}`, {
    method,
    // The version named: the account may be pinned to one that wraps objects.
    headers: { "x-api-key": apiKey, "content-type": "application/json", "commet-version": "2026-08-27" },
    body: body && JSON.stringify(body),
  });
const hook = await (
  await api("POST", "/webhooks", {
    url: `${receiver.origin}/node1-${tag}`,
    events: ["payment_link.completed"],
  })
).json();
try {
  assert.equal((await api("POST", `/webhooks/${hook.id}/test`)).status, 200);
  const { body, signature } = receiver.deliveries[0];
  const webhooks = new Webhooks();
  assert.equal(webhooks.verify({ payload: body, signature, secret: hook.secretKey }), true);
  assert.equal(webhooks.verify({ payload: `${body} `, signature, secret: hook.secretKey }), false);
} finally {
  await api("DELETE", `/webhooks/${hook.id}`);
  receiver.close();
}

assert.deepEqual([...answeredIn], ["2026-05-01"]);
// The release exports no version; its package.json says it.
const sdkPackage = new URL("../node_modules/@commet/node-1/package.json", import.meta.url);
console.log(`node sdk ${JSON.parse(readFileSync(sdkPackage)).version} (no version): ok`);
