//! Benchmark helper (driven by scripts/bench/): seeds DynamoDB Local with the data the
//! benchmark needs, and issues the bare DynamoDB calls each endpoint makes, with the same SDK and
//! client settings as the functions, printing latency and consumed capacity as JSON. Cancel and
//! invoice status send the store's own requests (`store::bench`, the `bench` feature), so a
//! change to their conditions changes the benchmark too.

use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnConsumedCapacity, TransactWriteItem, Update,
};
use clap::{Parser, Subcommand};
use commet_payments::domain::account::{Account, ApiKey, ApiKeySecret, Mode};
use commet_payments::domain::card::PaymentMethod;
use commet_payments::domain::customer::{Customer, NewCustomer};
use commet_payments::domain::delivery::{AttemptResult, Delivery};
use commet_payments::domain::download::{DownloadLink, DownloadToken};
use commet_payments::domain::ids::{AccountId, CustomerId, EventId, InvoiceId, PaymentId};
use commet_payments::domain::invoice::{Invoice, InvoiceNumber, InvoiceSettlement, InvoiceStatus};
use commet_payments::domain::money::{Currency, PaymentAmount};
use commet_payments::domain::payment::{NewLink, Payment, PaymentStatus, Route};
use commet_payments::domain::text::{Description, Email};
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::transaction::TransactionStatus;
use commet_payments::domain::version::ApiVersion;
use commet_payments::domain::webhook::{
    EventSelection, NewWebhook, WebhookEndpoint, WebhookSecret, WebhookUrl,
};
use commet_payments::store::{Store, StoreSettings, bench, item_size, keys};
use serde_json::{Value, json};

type Item = HashMap<String, AttributeValue>;

#[derive(Parser)]
struct Cli {
    #[arg(long)]
    endpoint: String,
    #[arg(long, default_value = "commet-payments-bench")]
    table: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the table and the benchmark's accounts and data; print their ids as JSON.
    Seed {
        /// Payments in the large account (the small one has 1,000).
        #[arg(long, default_value_t = 100_000)]
        large: usize,
        /// Pending links and outstanding invoices per pool (cancel / status runs consume them).
        #[arg(long, default_value_t = 4_000)]
        pool: usize,
        /// Where the seeded webhook endpoint sends its test and retried deliveries.
        #[arg(long, default_value = "http://127.0.0.1:9/hook")]
        hook_url: String,
    },
    /// The bare DynamoDB call(s) of one endpoint, `n` times; prints latency and capacity.
    Bare {
        #[arg(long)]
        seed: std::path::PathBuf,
        #[arg(long)]
        op: String,
        #[arg(long, default_value_t = 1000)]
        n: usize,
        /// Which account of the seed to use: small or large.
        #[arg(long, default_value = "small")]
        account: String,
    },
}

fn link(customer: Option<&Customer>, at: Timestamp) -> Payment {
    Payment::new_link(
        NewLink {
            amount: PaymentAmount::new(2500).expect("amount"),
            currency: Currency::parse("usd").expect("currency"),
            description: Description::parse("Benchmark order").expect("description"),
            customer: None,
            success_url: None,
            metadata: None,
        },
        customer.map(|c| c.id.clone()),
        0,
        Route::sandbox(),
        "https://pay.example",
        at,
    )
}

async fn account(store: &Store, name: &str) -> (Account, String) {
    let account = Account::create(name, Mode::Sandbox, ApiVersion::CURRENT, Timestamp::now())
        .expect("account");
    let secret = ApiKeySecret::generate(&account).expect("key");
    store
        .create_account(
            &account,
            &ApiKey::issue(&account, &secret, Timestamp::now()),
        )
        .await
        .expect("create account");
    (account, secret.expose().to_owned())
}

async fn customer(store: &Store, account: &Account, card: bool) -> Customer {
    let mut customer = Customer::create(
        NewCustomer::with_email(Email::parse("bench@example.com").expect("email")),
        Timestamp::now(),
        false,
    );
    if card {
        customer.payment_method = Some(PaymentMethod {
            token: "pm_sbx_ok_bench".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2034,
            provider_customer: None,
        });
    }
    store
        .put_customer_fixture(&account.id, &customer)
        .await
        .expect("customer");
    customer
}

/// An account with `count` payments, `per_customer` of them for one customer, and a pool of
/// pending links (with page items) to cancel.
async fn populated(store: &Store, name: &str, count: usize, pool: usize) -> Value {
    let (account, key) = account(store, name).await;
    let customer = customer(store, &account, false).await;
    let now = Timestamp::now().datetime().unix_timestamp() * 1000;
    let per_customer = 500.min(count);
    let payments: Vec<Payment> = (0..count)
        .map(|n| {
            let at = Timestamp::from_unix_millis(now - (count - n) as i64 * 10).expect("time");
            link((n < per_customer).then_some(&customer), at)
        })
        .collect();
    store
        .import_payments(&account.id, &payments)
        .await
        .expect("import");
    let cancelable = pending_links(store, &account, pool).await;
    json!({
        "account": account.id.as_str(), "key": key, "customer": customer.id.as_str(),
        "payment": payments.last().map(|p| p.id.to_string()),
        "payments": count, "cancelable": cancelable,
    })
}

async fn pending_links(store: &Store, account: &Account, count: usize) -> Vec<String> {
    links_in(store, account, count, PaymentStatus::Pending).await
}

/// Links paid in the sandbox, for refunds: each is refunded once.
async fn paid_links(store: &Store, account: &Account, count: usize) -> Vec<String> {
    links_in(store, account, count, PaymentStatus::Succeeded).await
}

async fn links_in(
    store: &Store,
    account: &Account,
    count: usize,
    status: PaymentStatus,
) -> Vec<String> {
    let links: Vec<Payment> = (0..count)
        .map(|_| Payment {
            status,
            ..link(None, Timestamp::now())
        })
        .collect();
    store
        .import_payments(&account.id, &links)
        .await
        .expect("links");
    links.iter().map(|p| p.id.to_string()).collect()
}

fn webhook(url: &str) -> WebhookEndpoint {
    NewWebhook {
        url: WebhookUrl::parse(url, false).expect("hook url"),
        events: EventSelection::parse(["payment_link.completed"]).expect("events"),
        description: Some("Benchmark".into()),
        api_version: None,
    }
    .create(
        WebhookSecret::generate().expect("secret"),
        Timestamp::now(),
        false,
    )
}

/// An account of its own for the webhook endpoints (so that the write account's deliveries in
/// the events-out run see only their own endpoint): one endpoint with a failed delivery for
/// get, update, test, the deliveries list and retry; `pool` more for delete; and, since an
/// account holds at most 16 endpoints, enough accounts (keys) for `pool` creates.
async fn webhooks(store: &Store, pool: usize, hook_url: &str) -> Value {
    let (owner, key) = account(store, "bench webhooks").await;
    let endpoint = webhook(hook_url);
    store
        .put_webhook_fixture(&owner.id, &endpoint)
        .await
        .expect("webhook");
    let delivery = Delivery::open(
        endpoint.id.clone(),
        EventId::generate(),
        "webhook.test",
        "{}".into(),
        Timestamp::now(),
        false,
    );
    let refused = AttemptResult {
        status_code: None,
        duration: std::time::Duration::from_millis(1),
        error: Some("could not connect: connection refused".into()),
    };
    let (failed, attempt) = delivery.attempted(refused, Timestamp::now(), None);
    store
        .put_delivery_fixture(&owner.id, &failed, &attempt)
        .await
        .expect("delivery");
    let mut deletable = Vec::with_capacity(pool);
    for _ in 0..pool {
        let endpoint = webhook(hook_url);
        store
            .put_webhook_fixture(&owner.id, &endpoint)
            .await
            .expect("deletable webhook");
        deletable.push(endpoint.id.to_string());
    }
    let per_account = WebhookEndpoint::MAX_PER_ACCOUNT as usize;
    let mut creators = Vec::with_capacity(pool.div_ceil(per_account));
    for _ in 0..pool.div_ceil(per_account) {
        creators.push(account(store, "bench webhook creates").await.1);
    }
    json!({
        "account": owner.id.as_str(), "key": key, "webhook": endpoint.id.as_str(),
        "delivery": failed.id.as_str(), "deletable": deletable,
        "creators": creators, "creates_per_key": per_account,
    })
}

async fn seed(store: &Store, large: usize, pool: usize, hook_url: &str) -> Value {
    store.create_table().await.expect("table");
    let small = populated(store, "bench small", 1_000, pool).await;
    let large = populated(store, "bench large", large, 400).await;
    // The account the writes of the endpoint runs go to.
    let (work, key) = account(store, "bench writes").await;
    let payer = customer(store, &work, true).await;
    let mut invoices = Vec::with_capacity(pool * 2);
    let template = link(Some(&payer), Timestamp::now());
    // The send row mails each invoice in turn, each about once: ten invoices per customer keep
    // every customer well inside the twenty mails it may have at once (`Paced::Customer`).
    let mut billed = payer.clone();
    for n in 0..pool * 2 {
        if n > 0 && n % 10 == 0 {
            billed = customer(store, &work, false).await;
        }
        let mut invoice = Invoice::for_payment(
            &template,
            billed.id.clone(),
            InvoiceStatus::Outstanding,
            Timestamp::now(),
        );
        invoice.number = InvoiceNumber::new(n as u64 + 1).expect("number");
        store
            .put_invoice_fixture(&work.id, &invoice)
            .await
            .expect("invoice");
        invoices.push(invoice.id.to_string());
    }
    let cancelable = pending_links(store, &work, pool * 2).await;
    let refundable = paid_links(store, &work, pool * 2).await;
    // A link with the item its public page is found by, for the hosted page's GET.
    let page = link(Some(&payer), Timestamp::now());
    store
        .put_payment_fixture(&work.id, &page)
        .await
        .expect("page link");
    // A download link of the first (outstanding) invoice, billed to `payer`, for the public
    // PDF's GET.
    let token = DownloadToken::generate().expect("token");
    let first = InvoiceId::parse(&invoices[0]).expect("inv");
    let now = Timestamp::now();
    store
        .put_download_link_fixture(
            &work.id,
            &token,
            &DownloadLink::new(first, payer.id.clone(), now),
            now,
        )
        .await
        .expect("download link");
    let webhooks = webhooks(store, pool, hook_url).await;
    json!({
        "small": small, "large": large, "webhooks": webhooks,
        "work": {
            "account": work.id.as_str(), "key": key, "customer": payer.id.as_str(),
            "invoices": invoices, "cancelable": cancelable, "refundable": refundable,
            "page": page.id.as_str(),
            "download": token.expose(),
        },
    })
}

fn text_value(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn key_of(pk: String, sk: &str) -> Item {
    HashMap::from([
        ("pk".into(), text_value(&pk)),
        ("sk".into(), text_value(sk)),
    ])
}

struct Sampler {
    micros: Vec<f64>,
    capacity: f64,
    reported: bool,
}

impl Sampler {
    fn record(&mut self, started: Instant, capacity: Option<f64>) {
        self.micros.push(started.elapsed().as_secs_f64() * 1e6);
        if let Some(units) = capacity {
            self.capacity += units;
            self.reported = true;
        }
    }

    fn report(mut self, theoretical: f64) -> Value {
        self.micros.sort_by(f64::total_cmp);
        let at = |q: f64| self.micros[((self.micros.len() as f64 - 1.0) * q).round() as usize];
        let n = self.micros.len();
        json!({
            "n": n, "p50_us": at(0.5), "p99_us": at(0.99),
            "capacity_per_request": self.reported.then(|| self.capacity / n as f64),
            "theoretical_capacity": theoretical,
        })
    }
}

fn units(consumed: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>) -> Option<f64> {
    consumed.and_then(|c| c.capacity_units())
}

fn total(consumed: Option<&[aws_sdk_dynamodb::types::ConsumedCapacity]>) -> Option<f64> {
    consumed.map(|all| all.iter().filter_map(|c| c.capacity_units()).sum())
}

async fn get_item(store: &Store, key: Item) -> Item {
    store
        .client()
        .get_item()
        .table_name(store.table_name())
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .expect("get")
        .item
        .expect("item exists")
}

/// Write units of one item: its size in KB, once for the table and once per index it is in
/// (all project all attributes). Transactions then cost double.
fn write_units(item: &Item) -> f64 {
    let indexes = [keys::GSI1_PK, keys::GSI2_PK, keys::GSI3_PK, keys::GSI4_PK]
        .iter()
        .filter(|k| item.contains_key(**k))
        .count();
    (item_size(item).div_ceil(1024) * (1 + indexes)) as f64
}

/// The bare DynamoDB call(s) of endpoint `op`, `n` times, for the seed's account `which`.
async fn bare(store: &Store, seed: &Value, op: &str, n: usize, which: &str) -> Value {
    let account = &seed[which];
    let bare = Bare {
        store,
        seed,
        account,
        id: AccountId::parse(account["account"].as_str().expect("account")).expect("id"),
        n,
    };
    let mut sampler = Sampler {
        micros: Vec::with_capacity(n),
        capacity: 0.0,
        reported: false,
    };
    let theoretical = match op {
        "get" => bare.get(&mut sampler).await,
        "list" => {
            let partition = keys::account_payments(&bare.id);
            bare.list("gsi1", partition, &mut sampler).await
        }
        "list-customer" => {
            let customer = CustomerId::parse(account["customer"].as_str().expect("customer"));
            let partition = keys::customer_payments(&bare.id, &customer.expect("cus id"));
            bare.list("gsi2", partition, &mut sampler).await
        }
        "cancel" => bare.cancel(&mut sampler).await,
        "invoice-status" => bare.invoice_status(&mut sampler).await,
        "create" => bare.create(&mut sampler).await,
        "charge" => bare.charge(&mut sampler).await,
        other => panic!("unknown op {other}"),
    };
    sampler.report(theoretical)
}

/// One seeded account's bare operations. Each records its requests in the sampler and returns
/// the capacity one request should consume by DynamoDB's formulas.
struct Bare<'a> {
    store: &'a Store,
    seed: &'a Value,
    account: &'a Value,
    id: AccountId,
    n: usize,
}

impl Bare<'_> {
    fn client(&self) -> &aws_sdk_dynamodb::Client {
        self.store.client()
    }

    fn table(&self) -> &str {
        self.store.table_name()
    }

    /// The ids in the seed's `field` of this account (pools that writes consume).
    fn ids(&self, field: &str) -> impl Iterator<Item = &str> {
        let ids = self.account[field].as_array().expect(field);
        ids.iter().take(self.n).map(|id| id.as_str().expect("id"))
    }

    fn payment_key(&self, id: &str) -> Item {
        let id = PaymentId::parse(id).expect("pay id");
        key_of(keys::payment(&self.id, &id), keys::PAYMENT_SK)
    }

    /// GET /payments/{id}: one consistent GetItem.
    async fn get(&self, sampler: &mut Sampler) -> f64 {
        let key = self.payment_key(self.account["payment"].as_str().expect("payment"));
        let size = item_size(&get_item(self.store, key.clone()).await);
        for _ in 0..self.n {
            let started = Instant::now();
            let out = self
                .client()
                .get_item()
                .table_name(self.table())
                .set_key(Some(key.clone()))
                .consistent_read(true)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .expect("get");
            sampler.record(started, units(out.consumed_capacity()));
        }
        size.div_ceil(4096) as f64
    }

    /// A listing's page: one Query of 26 items, newest first, on `index`'s `partition`.
    async fn list(&self, index: &str, partition: String, sampler: &mut Sampler) -> f64 {
        let mut size = 0;
        for _ in 0..self.n {
            let started = Instant::now();
            let out = self
                .client()
                .query()
                .table_name(self.table())
                .index_name(index)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", format!("{index}pk"))
                .expression_attribute_values(":pk", text_value(&partition))
                .scan_index_forward(false)
                .limit(26)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .expect("query");
            sampler.record(started, units(out.consumed_capacity()));
            size = out.items().iter().map(item_size).sum();
        }
        // Eventually consistent reads of the index: half a unit per 4 KB read.
        size.div_ceil(4096) as f64 / 2.0
    }

    /// POST /payments/{id}/cancel: the store's own conditional UpdateItem.
    async fn cancel(&self, sampler: &mut Sampler) -> f64 {
        let mut size = 0;
        for id in self.ids("cancelable") {
            let id = PaymentId::parse(id).expect("pay id");
            let started = Instant::now();
            let out = bench::cancel_link_request(self.store, &self.id, &id, Timestamp::now())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .expect("cancel");
            sampler.record(started, units(out.consumed_capacity()));
            size = out.attributes().map(item_size).unwrap_or(size);
        }
        // The payment, in the table and its two indexes.
        size.div_ceil(1024) as f64 * 2.0
    }

    /// POST /invoices/{id}/status: the store's own conditional UpdateItem.
    async fn invoice_status(&self, sampler: &mut Sampler) -> f64 {
        let mut size = 0;
        for id in self.ids("invoices") {
            let invoice = InvoiceId::parse(id).expect("inv");
            let started = Instant::now();
            let out = bench::settle_invoice_request(
                self.store,
                &self.id,
                &invoice,
                InvoiceSettlement::Paid,
                Timestamp::now(),
            )
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .expect("invoice status");
            sampler.record(started, units(out.consumed_capacity()));
            size = out.attributes().map(item_size).unwrap_or(size);
        }
        // The invoice in the table and two indexes, and in the by-status index a delete from the
        // old status's partition and a put into the new one's.
        size.div_ceil(1024) as f64 * 5.0
    }

    /// A payment item as the functions write one (the small account's, re-keyed), under a
    /// fresh id of this account.
    fn fresh_payment(&self, template: &Item) -> (PaymentId, Item) {
        let id = PaymentId::generate();
        let mut payment = template.clone();
        payment.insert("pk".into(), text_value(&keys::payment(&self.id, &id)));
        payment.insert("id".into(), text_value(id.as_str()));
        payment.insert(
            "gsi1pk".into(),
            text_value(&keys::account_payments(&self.id)),
        );
        (id, payment)
    }

    /// The small account's payment, the template of the items the writes put.
    async fn payment_template(&self) -> Item {
        let small = &self.seed["small"];
        let account = AccountId::parse(small["account"].as_str().expect("small")).expect("id");
        let payment = PaymentId::parse(small["payment"].as_str().expect("payment"));
        let key = keys::payment(&account, &payment.expect("pay id"));
        get_item(self.store, key_of(key, keys::PAYMENT_SK)).await
    }

    fn put_if_absent(&self, item: Item) -> TransactWriteItem {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .expect("put");
        TransactWriteItem::builder().put(put).build()
    }

    /// POST /payments (a link): one transaction of the payment and its page item.
    async fn create(&self, sampler: &mut Sampler) -> f64 {
        let template = self.payment_template().await;
        let mut theoretical = 0.0;
        for _ in 0..self.n {
            let (id, payment) = self.fresh_payment(&template);
            let page = key_of(format!("LINK#{id}"), keys::LINK_SK);
            let started = Instant::now();
            let out = self
                .client()
                .transact_write_items()
                .transact_items(self.put_if_absent(payment.clone()))
                .transact_items(self.put_if_absent(page.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .expect("create");
            let consumed = total(out.consumed_capacity.as_deref()).unwrap_or(0.0);
            sampler.record(started, (consumed > 0.0).then_some(consumed));
            theoretical = 2.0 * (write_units(&payment) + write_units(&page));
        }
        theoretical
    }

    /// POST /payments/charge: the customer read, the `processing` payment with the customer
    /// checked, the invoice counter read, then the completion (payment, counter, invoice,
    /// receipt) in one transaction.
    async fn charge(&self, sampler: &mut Sampler) -> f64 {
        let template = self.payment_template().await;
        let customer = CustomerId::parse(self.account["customer"].as_str().expect("customer"));
        let customer_key = key_of(
            keys::customer(&self.id, &customer.expect("cus")),
            keys::CUSTOMER_SK,
        );
        let invoice = InvoiceId::parse(self.account["invoices"][0].as_str().expect("inv"));
        let invoice_key = key_of(
            keys::invoice(&self.id, &invoice.expect("inv")),
            keys::INVOICE_SK,
        );
        let invoice_template = get_item(self.store, invoice_key).await;
        let counter = key_of(keys::invoice_counter(&self.id), keys::INVOICE_COUNTER_SK);
        let mut theoretical = 0.0;
        for _ in 0..self.n {
            let (id, mut payment) = self.fresh_payment(&template);
            // A charge has its transaction from the start: it is in the account's transactions,
            // and in those pending until it succeeds.
            let sort = payment[keys::GSI1_SK].clone();
            payment.insert(
                keys::GSI3_PK.into(),
                text_value(&keys::account_transactions(&self.id)),
            );
            payment.insert(keys::GSI3_SK.into(), sort.clone());
            let of_status = |status| keys::account_transactions_of_status(&self.id, status);
            payment.insert(
                keys::GSI4_PK.into(),
                text_value(&of_status(TransactionStatus::Pending)),
            );
            payment.insert(keys::GSI4_SK.into(), sort);
            let started = Instant::now();
            let mut consumed = self.read_units(customer_key.clone()).await;
            let check = ConditionCheck::builder()
                .table_name(self.table())
                .set_key(Some(customer_key.clone()))
                .condition_expression("attribute_exists(pk)")
                .build()
                .expect("check");
            let out = self
                .client()
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().condition_check(check).build())
                .transact_items(self.put_if_absent(payment.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .expect("processing");
            consumed += total(out.consumed_capacity.as_deref()).unwrap_or(0.0);
            consumed += self.read_units(counter.clone()).await;

            let invoice_id = InvoiceId::generate();
            let mut invoice = invoice_template.clone();
            invoice.insert(
                "pk".into(),
                text_value(&keys::invoice(&self.id, &invoice_id)),
            );
            let mut receipt = invoice_template.clone();
            // A receipt is in no status's partition.
            receipt.remove(keys::GSI3_PK);
            receipt.remove(keys::GSI3_SK);
            let receipt_pk = format!("A#{}#RCPT#{invoice_id}", self.id);
            receipt.insert("pk".into(), text_value(&receipt_pk));
            let succeeded = Update::builder()
                .table_name(self.table())
                .set_key(Some(key_of(keys::payment(&self.id, &id), keys::PAYMENT_SK)))
                .update_expression(
                    "SET #status = :succeeded, invoiceId = :inv, #txnStatus = :txnStatus \
                     ADD #version :one",
                )
                .expression_attribute_names("#status", "status")
                .expression_attribute_names("#version", "version")
                .expression_attribute_names("#txnStatus", keys::GSI4_PK)
                .expression_attribute_values(":succeeded", text_value("succeeded"))
                .expression_attribute_values(
                    ":txnStatus",
                    text_value(&of_status(TransactionStatus::Succeeded)),
                )
                .expression_attribute_values(":inv", text_value(invoice_id.as_str()))
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .build()
                .expect("update");
            let counted = Update::builder()
                .table_name(self.table())
                .set_key(Some(counter.clone()))
                .update_expression("ADD #last :one")
                .expression_attribute_names("#last", "last")
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .build()
                .expect("update");
            let out = self
                .client()
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().update(succeeded).build())
                .transact_items(TransactWriteItem::builder().update(counted).build())
                .transact_items(self.put_if_absent(invoice.clone()))
                .transact_items(self.put_if_absent(receipt.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            if let Ok(out) = out {
                consumed += total(out.consumed_capacity.as_deref()).unwrap_or(0.0);
            }
            sampler.record(started, (consumed > 0.0).then_some(consumed));
            // customer read, (check + payment), counter read, (payment, counter, invoice,
            // receipt); the payment's completion moves it from the pending transactions' `gsi4`
            // partition to the succeeded ones': a delete and a put there.
            let moved = item_size(&payment).div_ceil(1024) as f64;
            theoretical = 1.0
                + 2.0 * (1.0 + write_units(&payment))
                + 1.0
                + 2.0
                    * (write_units(&payment)
                        + moved
                        + 1.0
                        + write_units(&invoice)
                        + write_units(&receipt));
        }
        theoretical
    }

    /// One consistent GetItem, answering the units it consumed.
    async fn read_units(&self, key: Item) -> f64 {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .expect("read");
        units(out.consumed_capacity()).unwrap_or(0.0)
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let store = Store::connect(&StoreSettings {
        table_name: cli.table.clone(),
        endpoint: Some(cli.endpoint.clone()),
    })
    .await;
    let output = match cli.command {
        Command::Seed {
            large,
            pool,
            hook_url,
        } => seed(&store, large, pool, &hook_url).await,
        Command::Bare {
            seed,
            op,
            n,
            account,
        } => {
            let seed: Value =
                serde_json::from_str(&std::fs::read_to_string(seed).expect("seed file"))
                    .expect("seed json");
            bare(&store, &seed, &op, n, &account).await
        }
    };
    println!("{output}");
}
