//! A payment's transaction read (`GET /transactions/{id}`, the SDKs' `transactions.get`): its
//! status through the payment's life, its amounts, its payer and when it was paid.

use commet_payments::domain::account::Mode;
use commet_payments::domain::ids::PaymentId;
use commet_payments::domain::invoice::{Invoice, InvoiceStatus};
use commet_payments::domain::page::{PageLimit, PageRequest};
use commet_payments::domain::payment::PaymentStatus;
use commet_payments::domain::text::Email;
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::transaction::TransactionFilter;
use commet_payments::store::Store;
use serde_json::{Value, json};

use crate::helpers::{
    Observed, TestApp, TestResponse, as_before_the_transactions_index, assert_transactions_indexed,
    card, customer_with_card, event, names,
};
use crate::store::every_page;
use crate::transaction_refunds::pending_link;

/// The transaction `id`, in the newest version's shape.
async fn transaction(t: &TestApp, key: &str, id: &str) -> TestResponse {
    t.send(
        event("GET", &format!("/api/v1/transactions/{id}"))
            .key(key)
            .header("Commet-Version", "2026-08-27")
            .build(),
    )
    .await
}

fn transaction_of(payment: &Value) -> String {
    payment["id"].as_str().unwrap().replacen("pay_", "txn_", 1)
}

#[tokio::test]
async fn a_charges_transaction_shows_its_money_its_payer_and_its_refund() {
    // GIVEN a succeeded sandbox charge of $25.00 (no tax here)
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, "4242424242424242").await;
    let charged = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 2500, "currency": "usd", "description": "Plan" }),
        )
        .await;
    let payment = charged.data().clone();
    let paid_with = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
    let invoice = t
        .get(
            &format!(
                "/api/v1/invoices/{}",
                payment["invoiceId"].as_str().unwrap()
            ),
            &key,
        )
        .await;

    // WHEN its transaction is read
    let id = transaction_of(&payment);
    let read = transaction(&t, &key, &id).await;

    // THEN it is the charge's: succeeded, in USD, paid by its customer when its invoice was made
    assert_eq!(read.status, 200, "{}", read.text);
    let data = read.data();
    assert_eq!(data["id"], id.as_str());
    assert_eq!(data["status"], "succeeded");
    assert_eq!(
        (
            &data["grossAmount"],
            &data["subtotal"],
            &data["taxAmount"],
            &data["presentmentAmount"]
        ),
        (&json!(2500), &json!(2500), &json!(0), &Value::Null)
    );
    assert_eq!(data["invoiceId"], payment["invoiceId"]);
    assert_eq!(data["customerEmail"], paid_with.data()["email"]);
    assert_eq!(data["paidAt"], invoice.data()["createdAt"]);
    assert_eq!(data["paymentMethod"], "card");
    assert_eq!(data["paymentContext"]["reason"], "one_time_payment");
    // AND by the payment's own id it is the same
    let by_payment = transaction(&t, &key, payment["id"].as_str().unwrap()).await;
    assert_eq!(by_payment.data(), data);

    // AND once refunded in full it reads refunded, paid when it was paid
    let refunded = t
        .post(
            &format!("/api/v1/transactions/{id}/refund"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(refunded.status, 200, "{}", refunded.text);
    let after = transaction(&t, &key, &id).await;
    assert_eq!(after.data()["status"], "refunded");
    assert_eq!(after.data()["paidAt"], invoice.data()["createdAt"]);
    assert_ne!(after.data()["updatedAt"], data["updatedAt"]);
}

#[tokio::test]
async fn a_declined_charge_failed_a_pending_link_has_none_and_other_currencies_show_as_presented() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    // A declined charge: failed, never paid, its outstanding invoice named
    let risky = customer_with_card(&t, &key, None, "4000000000000341").await;
    let declined = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": risky, "amount": 900, "currency": "eur", "description": "Month" }),
        )
        .await;
    let details = declined.error(402, "payment_failed")["details"].clone();
    let read = transaction(
        &t,
        &key,
        &transaction_of(&json!({"id": details["paymentId"]})),
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text);
    let data = read.data();
    assert_eq!(
        (&data["status"], &data["paidAt"], &data["invoiceId"]),
        (&json!("failed"), &Value::Null, &details["invoiceId"])
    );
    // In euros: no USD figures, the amount as presented
    assert_eq!(
        (
            &data["grossAmount"],
            &data["subtotal"],
            &data["taxAmount"],
            &data["presentmentAmount"],
            &data["currency"]
        ),
        (
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &json!(900),
            &json!("eur")
        )
    );
    // A link nobody tried to pay yet has no transaction, nor has an unknown id
    let link = pending_link(&t, &key).await;
    for id in [
        link.replacen("pay_", "txn_", 1),
        "txn_01KEVENTSPAYMENT0000000009".to_owned(),
        "not-an-id".to_owned(),
    ] {
        transaction(&t, &key, &id)
            .await
            .error(404, "transaction_not_found");
    }
}

/// The ids of every page of `query`, `limit` a page, following each cursor.
async fn pages_of(t: &TestApp, key: &str, query: &str, limit: u32) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/transactions?limit={limit}{query}{cursor}");
        let page = t.get(&path, key).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        let ids = page.data().as_array().unwrap().iter();
        pages.push(ids.map(|t| t["id"].as_str().unwrap().to_owned()).collect());
        match page.body["nextCursor"].as_str() {
            Some(next) if page.body["hasMore"] == json!(true) => cursor = format!("&cursor={next}"),
            _ => return pages,
        }
    }
}

#[tokio::test]
async fn transactions_are_listed_newest_first_by_status_and_by_their_customers_address() {
    // GIVEN, oldest first: a paid link of payer@example.com's, a paid link of another
    // customer's, a refunded charge of the first, a declined charge of a third, and a link
    // nobody tried to pay
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let first = customer_with_card(&t, &key, None, "4242424242424242").await;
    let other = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "email": "Other.Payer@Example.org", "fullName": "Other Payer" }),
        )
        .await;
    let other = other.data()["id"].as_str().unwrap().to_owned();
    let others_link = t
        .post(
            "/api/v1/payments",
            &key,
            json!({ "amount": 300, "currency": "usd", "description": "Order", "customerId": other }),
        )
        .await;
    let others_link = others_link.data()["id"].as_str().unwrap().to_owned();
    let paid = t.pay(&others_link, &card("4242424242424242")).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let charge = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": first, "amount": 2500, "currency": "usd", "description": "Plan" }),
        )
        .await;
    let refunded = transaction_of(charge.data());
    let refund = t
        .post(
            &format!("/api/v1/transactions/{refunded}/refund"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(refund.status, 200, "{}", refund.text);
    let risky = customer_with_card(&t, &key, None, "4000000000000341").await;
    let declined = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": risky, "amount": 900, "currency": "usd", "description": "Month" }),
        )
        .await;
    let declined = transaction_of(
        &declined.error(402, "payment_failed")["details"]["paymentId"]
            .as_str()
            .map(|id| json!({ "id": id }))
            .unwrap(),
    );
    pending_link(&t, &key).await;

    // WHEN they are listed, a page of all
    let all = t.get("/api/v1/transactions?limit=100", &key).await;

    // THEN each attempted payment is there once, newest first, as it reads alone: the declined
    // charge, the risky customer's link, the refunded charge, the other's link, the first's link
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["hasMore"], false);
    let listed = all.data().as_array().unwrap();
    assert_eq!(listed.len(), 5, "the pending link has none: {listed:#?}");
    assert_eq!(listed[0]["id"], declined.as_str());
    assert_eq!(listed[2]["id"], refunded.as_str());
    for item in listed {
        let alone = t
            .get(
                &format!("/api/v1/transactions/{}", item["id"].as_str().unwrap()),
                &key,
            )
            .await;
        assert_eq!(&alone.data(), &item);
    }
    let statuses: Vec<&str> = listed
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["failed", "succeeded", "refunded", "succeeded", "succeeded"]
    );
    assert_eq!(listed[3]["customerEmail"], "Other.Payer@Example.org");
    assert_eq!(listed[3]["customerName"], "Other Payer");
    assert!(listed[3]["paidAt"].is_string() && listed[0]["paidAt"].is_null());

    // AND it is two round trips: the Query (with the key's lookup beside it in a container new
    // to the key), then the page's three customers in one BatchGetItem, no invoice (each paid
    // payment says when it was paid). (The account's version named: a read begun in another is
    // read again once the key tells.)
    let observed = Observed::default();
    let fresh = t.another_container_observed_by(observed.clone());
    let again = event("GET", "/api/v1/transactions?limit=100")
        .key(&key)
        .header("Commet-Version", "2026-07-11");
    let again = fresh.send(again.build()).await;
    assert_eq!(again.data(), all.data());
    assert_eq!(
        observed.operations(),
        names(&["BatchGetItem", "GetItem", "Query"])
    );
    assert_eq!(observed.batch_sizes(), [3]);

    // AND by status, each only its own
    let ids = |status: &str| {
        let listed = listed.iter().filter(|i| i["status"] == status);
        vec![
            listed
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
        ]
    };
    for status in ["succeeded", "refunded", "failed"] {
        let query = format!("&status={status}");
        assert_eq!(
            pages_of(&t, &key, &query, 100).await,
            ids(status),
            "{status}"
        );
    }
    for status in ["pending", "disputed"] {
        let query = format!("&status={status}");
        assert_eq!(
            pages_of(&t, &key, &query, 100).await,
            [Vec::<String>::new()]
        );
    }

    // AND by their customer's address, whatever its case, only that customer's
    let query = "&customerEmail=other.payer@EXAMPLE.org";
    let others = pages_of(&t, &key, query, 100).await;
    assert_eq!(others, [vec![listed[3]["id"].as_str().unwrap().to_owned()]]);
    let query = "&customerEmail=payer@example.com&status=succeeded";
    let firsts = pages_of(&t, &key, query, 100).await;
    assert_eq!(
        firsts.concat().len(),
        2,
        "{firsts:?}: both paid links of that address"
    );

    // AND two a page, every one once, in the same order
    let pages = pages_of(&t, &key, "", 2).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let every: Vec<&str> = listed.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(pages.concat(), every);
    // AND each payment is in the indexes as its transaction is (the pending link in neither)
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 5);
}

#[tokio::test]
async fn a_transaction_listing_refuses_a_filter_it_cannot_read_by_name() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for (query, param) in [
        ("status=paid", "status"),
        ("customerEmail=nobody", "customerEmail"),
        ("limit=101", "limit"),
        ("customerId=cus_x", "customerId"),
    ] {
        let answer = t.get(&format!("/api/v1/transactions?{query}"), &key).await;
        let error = answer.error(400, "validation_error");
        assert_eq!(error["param"], param, "{query}");
    }
    // A cursor continues only the listing that made it
    let customer = customer_with_card(&t, &key, None, "4242424242424242").await;
    for _ in 0..2 {
        t.post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 100, "currency": "usd", "description": "x" }),
        )
        .await;
    }
    let first = t.get("/api/v1/transactions?limit=1", &key).await;
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let elsewhere = t
        .get(
            &format!("/api/v1/transactions?status=succeeded&cursor={cursor}"),
            &key,
        )
        .await;
    assert_eq!(elsewhere.error(400, "validation_error")["param"], "cursor");
}

/// A filter by address reads the payments of the customers with that address (the index by
/// address, in any case): its pages are full, every transaction once, across customers, and they
/// follow a change of address. Where those customers have more payments than a page may read
/// (1,000 as deployed), it reads the account's transactions instead, each one's customer to
/// tell, and a page may end short, even empty, with a cursor to go on from.
#[tokio::test]
async fn a_listing_by_address_reads_its_customers_payments_and_pages_full() {
    // GIVEN, oldest first: paid links of A (payer@example.com), of B (moved to
    // PAYER@Example.com) and of C (moved to other@example.org), then charges of A, C and B
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let move_to = async |customer: &str, email: &str| {
        let moved = t
            .send(
                event("PATCH", &format!("/api/v1/customers/{customer}"))
                    .key(&key)
                    .header("Commet-Version", "2026-08-27")
                    .json(json!({ "email": email }))
                    .build(),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.text);
    };
    let a = customer_with_card(&t, &key, None, "4242424242424242").await;
    let b = customer_with_card(&t, &key, None, "4242424242424242").await;
    move_to(&b, "PAYER@Example.com").await;
    let c = customer_with_card(&t, &key, None, "4242424242424242").await;
    move_to(&c, "other@example.org").await;
    for customer in [&a, &c, &b] {
        let body =
            json!({ "customerId": customer, "amount": 100, "currency": "usd", "description": "x" });
        let charged = t.post("/api/v1/payments/charge", &key, body).await;
        assert_eq!(charged.status, 200, "{}", charged.text);
    }
    let every = pages_of(&t, &key, "", 100).await.concat();
    let [b_charge, c_charge, a_charge, c_link, b_link, a_link] = &every[..] else {
        panic!("six transactions: {every:?}");
    };
    let one_a_page = |ids: &[&String]| ids.iter().map(|id| vec![(*id).clone()]).collect::<Vec<_>>();

    // WHEN listed by payer@example.com, one a page
    let by_address = "&customerEmail=payer@example.com";
    // THEN A's and B's, newest first, each page full
    assert_eq!(
        pages_of(&t, &key, by_address, 1).await,
        one_a_page(&[b_charge, a_charge, b_link, a_link])
    );

    // WHEN B and C move to an address none of them had
    move_to(&b, "shared@example.org").await;
    move_to(&c, "Shared@Example.org").await;
    // THEN by it B's and C's, and by the first only A's
    let shared = "&customerEmail=SHARED@example.org";
    let theirs = [b_charge, c_charge, c_link, b_link];
    assert_eq!(pages_of(&t, &key, shared, 1).await, one_a_page(&theirs));
    let charges = format!("{shared}&status=succeeded");
    assert_eq!(pages_of(&t, &key, &charges, 3).await.concat().len(), 4);
    assert_eq!(
        pages_of(&t, &key, by_address, 1).await,
        one_a_page(&[a_charge, a_link])
    );

    // WHEN a page may read four payments, fewer than the account's six, as many as B's and C's
    let filter = TransactionFilter {
        status: None,
        customer_email: Some(Email::parse("shared@example.org").unwrap()),
    };
    let pages = |store: Store| {
        let (account, filter) = (&account.id, &filter);
        every_page(async move |page| {
            let found = store.list_transactions(account, filter, page).await;
            let ids = found.as_ref().unwrap().items.iter();
            let ids = ids.map(|t| t.payment.id.transaction().to_string());
            (ids.collect(), found.unwrap().next)
        })
    };
    let theirs = theirs.map(String::clone);
    // THEN B's and C's are read, all of them: one page
    let one_page = pages(t.store.clone().reading_at_most(4)).await;
    assert_eq!(one_page, std::slice::from_ref(&theirs));
    // AND reading three, fewer than theirs, the first page is read from the account's
    // transactions (three: their charges and A's), short of A's; the next from their payments
    // made before that, their two links
    let short = pages(t.store.clone().reading_at_most(3)).await;
    assert_eq!(short, [&theirs[..2], &theirs[2..]]);
}

/// Links never tried have no transaction and cost a listing no reads: the account's
/// transactions are a partition of their own. Payments written before it are not there until
/// indexed (`admin index`), which then finds nothing more to do.
#[tokio::test]
async fn links_never_tried_cost_a_listing_no_reads_and_older_payments_are_indexed_once() {
    // GIVEN a paid link, then five links nobody tried
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, "4242424242424242").await;
    let links = t
        .get(&format!("/api/v1/payments?customerId={customer}"), &key)
        .await;
    let paid = PaymentId::parse(links.data()[0]["id"].as_str().unwrap()).unwrap();
    for _ in 0..5 {
        pending_link(&t, &key).await;
    }
    let pages = |store: Store| {
        let account = &account.id;
        every_page(async move |page| {
            let filter = TransactionFilter::default();
            let found = store.list_transactions(account, &filter, page).await;
            let found = found.unwrap();
            let ids = found.items.iter().map(|t| t.payment.id.clone());
            (ids.collect(), found.next)
        })
    };

    // WHEN two payments are read a page, THEN the paid link is the first page, all of it
    let two_a_page = t.store.clone().reading_at_most(2);
    assert_eq!(pages(two_a_page.clone()).await, [vec![paid.clone()]]);

    // AND a payment written before the index is not listed until indexed, once
    as_before_the_transactions_index(&t.store, &account.id, &paid).await;
    assert_eq!(pages(t.store.clone()).await, [Vec::<PaymentId>::new()]);
    assert_eq!(t.store.index_transactions(&account.id).await.unwrap(), 1);
    assert_eq!(pages(two_a_page).await, [vec![paid]]);
    assert_eq!(t.store.index_transactions(&account.id).await.unwrap(), 0);
}

/// A full page can name more customers and invoices than one BatchGetItem takes (100 keys):
/// they are read in several, and each transaction still has its own. (Payments stored as they
/// were before a payment recorded when it was paid: its invoice says.)
#[tokio::test]
async fn a_page_of_many_customers_reads_them_and_their_invoices_in_several_batches() {
    // GIVEN 60 paid links, each of a customer of its own with an invoice: 120 keys to read
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let mut made = Vec::new();
    for _ in 0..60 {
        let customer = crate::store::customer(None);
        let at = Timestamp::now();
        let mut payment = crate::store::link(Some(customer.id.clone()), at);
        payment.status = PaymentStatus::Succeeded;
        let invoice = Invoice::for_payment(&payment, customer.id.clone(), InvoiceStatus::Paid, at);
        payment.invoice_id = Some(invoice.id.clone());
        let store = &t.store;
        store
            .put_customer_fixture(&account.id, &customer)
            .await
            .unwrap();
        store
            .put_invoice_fixture(&account.id, &invoice)
            .await
            .unwrap();
        store
            .put_payment_fixture(&account.id, &payment)
            .await
            .unwrap();
        made.push((payment.id, customer.id, invoice.created_at));
    }

    // WHEN a page of 100 is listed
    let page = PageRequest {
        limit: PageLimit::new(100).unwrap(),
        after: None,
    };
    let filter = TransactionFilter::default();
    let found = t.store.list_transactions(&account.id, &filter, &page).await;
    let found = found.unwrap();

    // THEN all 60 are there, newest first, each with its customer and its invoice's time
    assert!(found.next.is_none());
    let listed: Vec<_> = (found.items.iter())
        .map(|t| {
            let customer = t.customer.as_ref().map(|c| c.id.clone());
            (t.payment.id.clone(), customer, t.paid_at)
        })
        .collect();
    let expected: Vec<_> = (made.into_iter().rev())
        .map(|(payment, customer, at)| (payment, Some(customer), Some(at)))
        .collect();
    assert_eq!(listed, expected);
}

/// A link's transaction starts when its payer tries it, not when the link was made: it is
/// listed then, and a later try moves it to the front again (a payment has one transaction, its
/// last attempt's).
#[tokio::test]
async fn a_links_transaction_starts_when_it_is_tried_and_is_listed_from_then() {
    // GIVEN, oldest first: links A and B made, a customer who paid a link of their own and a
    // charge of theirs, then B declined on its page, then A paid
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let a = pending_link(&t, &key).await;
    let b = pending_link(&t, &key).await;
    let customer = customer_with_card(&t, &key, None, "4242424242424242").await;
    let their_links = t
        .get(&format!("/api/v1/payments?customerId={customer}"), &key)
        .await;
    let their_link = transaction_of(&their_links.data()[0]);
    let charge = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 2500, "currency": "usd", "description": "Plan" }),
        )
        .await;
    assert_eq!(charge.status, 200, "{}", charge.text);
    let charge = transaction_of(charge.data());
    let tried = |number| {
        let mut fields = card(number);
        fields.push(("email", "payer@example.com"));
        fields
    };
    let declined = t.pay(&b, &tried("4000000000000002")).await;
    assert_eq!(declined.status, 402, "{}", declined.text);
    let failed = pages_of(&t, &key, "&status=failed", 100).await;
    assert_eq!(
        failed,
        [vec![b.replacen("pay_", "txn_", 1)]],
        "listed failed"
    );
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 3);
    let paid = t.pay(&a, &tried("4242424242424242")).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let (a_txn, b_txn) = (a.replacen("pay_", "txn_", 1), b.replacen("pay_", "txn_", 1));

    // WHEN they are listed a page at a time, THEN newest tried first: A, B, the charge, the
    // customer's link
    let order = [
        a_txn.clone(),
        b_txn.clone(),
        charge.clone(),
        their_link.clone(),
    ];
    let one_a_page: Vec<Vec<String>> = order.iter().map(|id| vec![id.clone()]).collect();
    assert_eq!(pages_of(&t, &key, "", 1).await, one_a_page);

    // AND A's transaction was created when it was tried: after the charge, after the link
    // itself, no later than it was paid
    let read = |id: String| {
        let t = &t;
        let key = &key;
        async move { transaction(t, key, &id).await.data().clone() }
    };
    let time =
        |value: &Value, field: &str| Timestamp::parse(value[field].as_str().unwrap()).unwrap();
    let (a_read, charge_read) = (read(a_txn.clone()).await, read(charge.clone()).await);
    let a_link = t.get(&format!("/api/v1/payments/{a}"), &key).await;
    assert!(time(&a_read, "createdAt") > time(&charge_read, "createdAt"));
    assert!(time(&a_read, "createdAt") > time(a_link.data(), "createdAt"));
    assert!(time(&a_read, "createdAt") <= time(&a_read, "paidAt"));
    assert!(
        time(a_link.data(), "createdAt") < time(&charge_read, "createdAt"),
        "the payment keeps its own creation"
    );

    // AND when B is tried again and pays, its transaction starts again and leads the list
    let b_first = time(&read(b_txn.clone()).await, "createdAt");
    let paid = t.pay(&b, &tried("4242424242424242")).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let b_read = read(b_txn.clone()).await;
    assert!(time(&b_read, "createdAt") > b_first);
    assert_eq!(b_read["status"], "succeeded");
    let order = [b_txn, a_txn, charge, their_link];
    let one_a_page: Vec<Vec<String>> = order.iter().map(|id| vec![id.clone()]).collect();
    assert_eq!(pages_of(&t, &key, "", 1).await, one_a_page);
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 4);
}

/// A listing by status reads only that status's transactions (a partition of their own, which
/// every write that changes a transaction's status moves it to): no short pages, however many
/// of other statuses are newer.
#[tokio::test]
async fn a_listing_by_status_reads_only_transactions_of_that_status() {
    // GIVEN, oldest first: a refunded charge, a declined one, then four succeeded charges
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, "4242424242424242").await;
    let charge = |customer: String| {
        let t = &t;
        let key = &key;
        async move {
            let body = json!({ "customerId": customer, "amount": 100, "currency": "usd", "description": "x" });
            t.post("/api/v1/payments/charge", key, body).await
        }
    };
    let refunded = charge(customer.clone()).await;
    let refunded = PaymentId::parse(refunded.data()["id"].as_str().unwrap()).unwrap();
    let refund = t
        .post(
            &format!("/api/v1/transactions/{}/refund", refunded.transaction()),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(refund.status, 200, "{}", refund.text);
    let risky = customer_with_card(&t, &key, None, "4000000000000341").await;
    let declined = charge(risky).await;
    let declined = declined.error(402, "payment_failed")["details"]["paymentId"].clone();
    let declined = PaymentId::parse(declined.as_str().unwrap()).unwrap();
    for _ in 0..4 {
        assert_eq!(charge(customer.clone()).await.status, 200);
    }
    let pages = |store: Store, status| {
        let account = &account.id;
        every_page(async move |page| {
            let filter = TransactionFilter {
                status: Some(status),
                customer_email: None,
            };
            let found = store.list_transactions(account, &filter, page).await;
            let found = found.unwrap();
            let ids = found.items.iter().map(|t| t.payment.id.clone());
            (ids.collect(), found.next)
        })
    };

    // WHEN two payments are read a page, THEN the refunded one and the declined one are each
    // a page of their own, and none is pending or disputed
    let two_a_page = t.store.clone().reading_at_most(2);
    use commet_payments::domain::transaction::TransactionStatus as Status;
    assert_eq!(
        pages(two_a_page.clone(), Status::Refunded).await,
        [vec![refunded]]
    );
    assert_eq!(
        pages(two_a_page.clone(), Status::Failed).await,
        [vec![declined]]
    );
    for none in [Status::Pending, Status::Disputed] {
        assert_eq!(
            pages(two_a_page.clone(), none).await,
            [Vec::<PaymentId>::new()]
        );
    }
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 8);
}
