// Pays a live link in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against the local stack (scripts/start.sh) and localstripe's Stripe.js. Then checks that the
// link, its invoice, the customer's saved card and the merchant's webhook all agree, and keeps
// screenshots of the page at desktop and phone widths.
//
//   node scripts/browser_check.mjs <api origin> <live key> <screenshot folder>
//
// Run by scripts/walkthrough.sh; fails (exit 1) on any mismatch, page error or CSP violation.
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { startWebhookReceiver } from "./webhook_receiver.mjs";

const [api, key, shots] = process.argv.slice(2);
if (!api || !key || !shots) {
  console.error("usage: browser_check.mjs <api origin> <live key> <screenshot folder>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

async function call(method, path, body, version) {
  const headers = { "x-api-key": key, "content-type": "application/json" };
  if (version) headers["commet-version"] = version;
  const response = await fetch(`${api}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  // Enveloped ({success, data}) up to 2026-07-11, bare after: the account's pin decides.
  return json.success === true ? json.data : json;
}

function check(condition, what) {
  if (!condition) throw new Error(`browser check failed: ${what}`);
  console.log(`ok: ${what}`);
}

// The merchant's webhook receiver, on loopback.
const receiver = await startWebhookReceiver();
const { deliveries } = receiver;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const problems = [];
async function open(viewport, url) {
  const context = await browser.newContext({ viewport, isMobile: viewport.width < 500 });
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return page;
}

try {
  const hook = await call("POST", "/webhooks", {
    url: `${receiver.origin}/commet`,
    events: ["payment_link.completed"],
  });
  const link = await call("POST", "/payments", {
    amount: 2500, currency: "usd", description: "Browser order #1",
  });

  // Desktop: the page, the card typed into Stripe's Element, paid.
  const page = await open({ width: 1280, height: 800 }, link.url);
  await page.waitForSelector("#card-element input[placeholder=number]");
  await page.screenshot({ path: `${shots}/live-page-desktop.png`, fullPage: true });
  await page.fill("#email", "browser@example.com");
  for (const [field, value] of [
    ["number", "4242424242424242"], ["exp_month", "12"], ["exp_year", "34"],
    ["cvc", "123"], ["postal_code", "94107"],
  ]) {
    await page.fill(`#card-element input[placeholder=${field}]`, value);
  }
  // The form posts to the URL it is on: wait for the answer's document, not the URL.
  const answered = page.waitForEvent("framenavigated", { timeout: 30000 });
  await page.click("#pay");
  await answered;
  await page.waitForLoadState("domcontentloaded");
  const heading = await page.textContent("h1");
  await page.screenshot({ path: `${shots}/live-paid-desktop.png`, fullPage: true });
  check(heading.trim() === "Paid", `the page says Paid (it says "${heading.trim()}")`);

  // A card whose bank asks for 3-D Secure, twice (saving it, then paying): Stripe.js's window
  // (localstripe's stand-in) is answered each time, and the page returns with the result.
  const secure = await call("POST", "/payments", {
    amount: 1200, currency: "usd", description: "Browser order #3",
  });
  const asked = await open({ width: 1280, height: 800 }, secure.url);
  await asked.waitForSelector("#card-element input[placeholder=number]");
  await asked.fill("#email", "secure@example.com");
  for (const [field, value] of [
    ["number", "4000002760003184"], ["exp_month", "12"], ["exp_year", "34"],
    ["cvc", "123"], ["postal_code", "94107"],
  ]) {
    await asked.fill(`#card-element input[placeholder=${field}]`, value);
  }
  await asked.click("#pay");
  await asked.click("text=Complete authentication", { timeout: 30000 });
  await asked.waitForSelector("h1:text-is('Confirm with your bank')", { timeout: 30000 });
  await asked.screenshot({ path: `${shots}/live-authenticate-desktop.png`, fullPage: true });
  await asked.click("text=Complete authentication", { timeout: 30000 });
  await asked.waitForSelector("h1:text-is('Paid')", { timeout: 30000 });
  check(true, "a 3-D Secure card is authenticated twice and the link paid");
  const authenticated = await call("GET", `/payments/${secure.id}`);
  check(authenticated.status === "succeeded", `that link is succeeded (${authenticated.status})`);

  // Phone: another link's page at a phone's width.
  const small = await call("POST", "/payments", {
    amount: 990, currency: "usd", description: "Browser order #2",
  });
  const phone = await open({ width: 390, height: 844 }, small.url);
  await phone.waitForSelector("#card-element input[placeholder=number]");
  await phone.screenshot({ path: `${shots}/live-page-phone.png`, fullPage: true });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  check(!overflow, "the phone page fits its width");

  // The records agree.
  const payment = await call("GET", `/payments/${link.id}`);
  check(payment.status === "succeeded" && payment.provider === "stripe",
    `the link is succeeded through stripe (${payment.status}, ${payment.provider})`);
  const listed = await call("GET", "/invoices?limit=100");
  const invoices = Array.isArray(listed) ? listed : listed.data;
  // The payer is a new customer: this link's invoice is their only one.
  const invoice = invoices.find((i) => i.customerId === payment.customerId);
  check(invoice && invoice.status === "paid" && invoice.total === 2500, "its invoice is paid, 2500");
  // Versions up to 2026-07-11 show the customer's saved card.
  const customer = await call("GET", `/customers/${payment.customerId}`, undefined, "2026-07-11");
  check(customer.email === "browser@example.com", "the payer is the link's customer");
  const card = customer.paymentMethod ?? {};
  check(card.brand === "visa" && card.last4 === "4242" && card.expYear === 2034,
    `the customer's saved card is the visa 4242 (${JSON.stringify(card)})`);

  const deadline = Date.now() + 30000;
  let event;
  while (!event && Date.now() < deadline) {
    event = deliveries
      .map((d) => ({ ...d, json: JSON.parse(d.body) }))
      .find((d) => d.json.event === "payment_link.completed" && d.json.data.paymentId === link.id);
    if (!event) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  check(event, `the merchant's webhook got payment_link.completed for the link (got: ${deliveries.map((d) => d.body.slice(0, 300)).join(" | ")})`);
  const secret = hook.secretKey ?? hook.secret;
  const expected = createHmac("sha256", secret).update(event.body).digest("hex");
  check(event.signature === expected, "and it is signed with the endpoint's secret");

  check(problems.length === 0, `no page errors or blocked requests (${problems.join("; ")})`);
  console.log(`screenshots: ${shots}/live-page-desktop.png, live-paid-desktop.png, live-authenticate-desktop.png, live-page-phone.png`);
  console.log(`customer ${payment.customerId}`);
  console.log(`secure customer ${authenticated.customerId}`);
} finally {
  await browser.close();
  receiver.close();
}
