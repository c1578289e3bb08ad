//! The store against DynamoDB Local: conditional writes, transactions, pagination.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::{Account, ApiKey, ApiKeySecret, Mode};
use commet_payments::domain::customer::{Customer, CustomerRef, CustomerSearch, NewCustomer};
use commet_payments::domain::delivery::{Delivery, DeliveryStatus, later};
use commet_payments::domain::ids::{
    AccountId, CustomerId, DeliveryId, EventId, ReceiptId, WebhookId,
};
use commet_payments::domain::invoice::{Invoice, InvoiceSettlement, InvoiceStatus};
use commet_payments::domain::money::{Currency, PaymentAmount};
use commet_payments::domain::page::{PageLimit, PageRequest, Position};
use commet_payments::domain::payment::{
    CardSummary, Failure, NewLink, Payment, PaymentKind, PaymentStatus, Route,
};
use commet_payments::domain::text::{Description, Email, ExternalId, FullName};
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::version::ApiVersion;
use commet_payments::store::{
    Attempt, BeginAttempt, CancelOutcome, InsertCustomerOutcome, InsertPaymentOutcome,
    IssueKeyOutcome, SetInvoiceStatus, Store, Unpaid, item_size, keys,
};

use crate::helpers::{GOOD_CARD, TestApp, as_before_the_status_index};

pub fn link(customer: Option<CustomerId>, at: Timestamp) -> Payment {
    Payment::new_link(
        NewLink {
            amount: PaymentAmount::new(1000).unwrap(),
            currency: Currency::parse("eur").unwrap(),
            description: Description::parse("store test").unwrap(),
            customer: None,
            success_url: None,
            metadata: None,
        },
        customer,
        0,
        Route::sandbox(),
        "http://127.0.0.1:9000",
        at,
    )
}

/// A charge as the money paths will store it: no page, already settled.
pub fn charge(status: PaymentStatus) -> Payment {
    let mut payment = link(None, Timestamp::now());
    payment.kind = PaymentKind::Charge;
    payment.status = status;
    payment.url = None;
    payment
}

pub fn customer(external: Option<&str>) -> Customer {
    Customer::create(
        NewCustomer {
            email: Email::parse("store@example.com").unwrap(),
            external_id: external.map(|e| ExternalId::parse(e).unwrap()),
            full_name: None,
            tax_document: None,
            address: None,
            timezone: None,
            metadata: None,
        },
        Timestamp::now(),
        false,
    )
}

async fn insert(store: &Store, account: &AccountId, payment: &Payment) {
    let outcome = store.insert_payment(account, payment, None).await.unwrap();
    assert!(matches!(outcome, InsertPaymentOutcome::Inserted));
}

#[tokio::test]
async fn charges_are_stored_and_never_canceled() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    for status in [
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Pending,
    ] {
        let payment = charge(status);
        insert(&t.store, &account.id, &payment).await;
        let stored = t
            .store
            .get_payment(&account.id, &payment.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, payment, "a charge round-trips through its item");

        let outcome = t
            .store
            .cancel_link(&account.id, &payment.id, Timestamp::now(), None)
            .await
            .unwrap();
        let CancelOutcome::NotCancelable(unchanged) = outcome else {
            panic!("charge in {status:?} was not refused: {outcome:?}");
        };
        assert_eq!(unchanged, payment);
    }
}

#[tokio::test]
async fn only_pending_links_cancel() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    for status in [
        PaymentStatus::Processing,
        PaymentStatus::Succeeded,
        PaymentStatus::RequiresAction,
        PaymentStatus::Failed,
    ] {
        let mut payment = link(None, Timestamp::now());
        payment.status = status;
        insert(&t.store, &account.id, &payment).await;
        let outcome = t
            .store
            .cancel_link(&account.id, &payment.id, Timestamp::now(), None)
            .await
            .unwrap();
        assert!(
            matches!(outcome, CancelOutcome::NotCancelable(_)),
            "{status:?}"
        );
    }

    let payment = link(None, Timestamp::now());
    insert(&t.store, &account.id, &payment).await;
    let later =
        Timestamp::from_unix_millis(payment.created_at.datetime().unix_timestamp() * 1000 + 5_000)
            .unwrap();
    let CancelOutcome::Canceled(canceled) = t
        .store
        .cancel_link(&account.id, &payment.id, later, None)
        .await
        .unwrap()
    else {
        panic!("pending link did not cancel");
    };
    assert_eq!(canceled.status, PaymentStatus::Canceled);
    assert_eq!(canceled.updated_at, later);
    let CancelOutcome::AlreadyCanceled(again) = t
        .store
        .cancel_link(&account.id, &payment.id, Timestamp::now(), None)
        .await
        .unwrap()
    else {
        panic!("second cancel was not a no-op");
    };
    assert_eq!(again, canceled);
}

/// The payment item's `attemptEmail`, as stored.
async fn attempt_email(t: &TestApp, account: &AccountId, payment: &str) -> Option<String> {
    let item = t.payment_item(account, payment).await;
    item.get("attemptEmail")
        .map(|email| email.as_s().unwrap().clone())
}

#[tokio::test]
async fn a_payers_email_is_kept_with_their_attempt_only_while_it_runs() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let payment = link(None, Timestamp::now());
    insert(&t.store, &account.id, &payment).await;
    let email = Email::parse("payer@example.com").unwrap();

    // An attempt begun with the payer's e-mail keeps it, for whoever records the attempt
    let begun = t
        .store
        .begin_attempt(
            &account.id,
            &payment.id,
            Some(&email),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let BeginAttempt::Started(attempt) = begun else {
        panic!("{begun:?}");
    };
    assert_eq!(attempt.payer_email.as_ref(), Some(&email));
    let read = t
        .store
        .get_link_attempt(&account.id, &payment.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (read.version, read.payer_email),
        (attempt.version, Some(email))
    );

    // Ended unpaid, it is gone; an attempt begun without one has none
    let failure = Failure {
        code: "card_declined".into(),
        message: "The card was declined.".into(),
    };
    let card = CardSummary {
        brand: "visa".into(),
        last4: "0002".into(),
    };
    let unpaid = Unpaid {
        status: PaymentStatus::Failed,
        failure: &failure,
        card: Some(&card),
    };
    t.store
        .end_attempt_unpaid(&account.id, &attempt, unpaid, Timestamp::now())
        .await
        .unwrap()
        .expect("the current attempt ends");
    assert_eq!(
        attempt_email(&t, &account.id, payment.id.as_str()).await,
        None
    );
    let begun = t
        .store
        .begin_attempt(&account.id, &payment.id, None, None, Timestamp::now())
        .await
        .unwrap();
    let BeginAttempt::Started(attempt) = begun else {
        panic!("{begun:?}");
    };
    assert_eq!(attempt.payer_email, None);
}

#[tokio::test]
async fn a_paid_link_keeps_no_attempt_email() {
    // A sandbox link paid through its page: the e-mail went to the customer made for the payer
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let link = t
        .create(
            "/api/v1/payments",
            &key,
            serde_json::json!({ "amount": 1000, "currency": "usd", "description": "Order" }),
        )
        .await;
    let mut fields = GOOD_CARD.to_vec();
    fields.push(("email", "payer@example.com"));
    let paid = t.pay(&link, &fields).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert_eq!(attempt_email(&t, &account.id, &link).await, None);
    let payment = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    let customer = payment.data()["customerId"].as_str().unwrap().to_owned();
    let customer = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
    assert_eq!(customer.data()["email"], "payer@example.com");
}

#[tokio::test]
async fn pages_are_stable_when_many_payments_share_one_timestamp() {
    // GIVEN 23 payments created in the same millisecond, and 4 older ones
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let same = Timestamp::parse("2026-11-26T10:00:00.000Z").unwrap();
    let older = Timestamp::parse("2026-11-26T09:59:59.999Z").unwrap();
    let mut all = Vec::new();
    for n in 0..27 {
        let payment = link(None, if n < 4 { older } else { same });
        insert(&t.store, &account.id, &payment).await;
        all.push(payment);
    }

    // WHEN paged 5 at a time
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = t
            .store
            .list_payments(
                &account.id,
                None,
                &PageRequest {
                    limit: PageLimit::new(5).unwrap(),
                    after: after.clone(),
                },
            )
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|p| (p.created_at, p.id.clone())));
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), 5);
                after = Some(next);
            }
            None => break,
        }
    }

    // THEN each appears exactly once, ordered by (createdAt, id) descending, in 6 pages
    assert_eq!(pages, 6);
    let mut expected: Vec<_> = all.iter().map(|p| (p.created_at, p.id.clone())).collect();
    expected.sort();
    expected.reverse();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn page_exactly_full_has_no_more() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    for _ in 0..4 {
        insert(&t.store, &account.id, &link(None, Timestamp::now())).await;
    }
    let page = t
        .store
        .list_payments(
            &account.id,
            None,
            &PageRequest {
                limit: PageLimit::new(4).unwrap(),
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
    assert!(
        page.next.is_none(),
        "hasMore must be false when nothing follows"
    );
}

#[tokio::test]
async fn customer_listing_pages_only_that_customers_payments() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let theirs = customer(None);
    assert!(matches!(
        t.store
            .insert_customer(&account.id, &theirs, None)
            .await
            .unwrap(),
        InsertCustomerOutcome::Inserted
    ));
    let mut expected = HashSet::new();
    for n in 0..7 {
        let payment = link((n % 2 == 0).then(|| theirs.id.clone()), Timestamp::now());
        insert(&t.store, &account.id, &payment).await;
        if n % 2 == 0 {
            expected.insert(payment.id.clone());
        }
    }
    let mut seen = HashSet::new();
    let mut after = None;
    loop {
        let page = t
            .store
            .list_payments(
                &account.id,
                Some(&theirs.id),
                &PageRequest {
                    limit: PageLimit::new(3).unwrap(),
                    after,
                },
            )
            .await
            .unwrap();
        for payment in &page.items {
            assert!(seen.insert(payment.id.clone()), "duplicate across pages");
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_payment_for_a_missing_customer_is_not_written() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let payment = link(Some(CustomerId::generate()), Timestamp::now());
    let outcome = t
        .store
        .insert_payment(&account.id, &payment, None)
        .await
        .unwrap();
    assert!(matches!(outcome, InsertPaymentOutcome::CustomerMissing));
    assert!(
        t.store
            .get_payment(&account.id, &payment.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn external_ids_are_unique_per_account_under_concurrency() {
    // GIVEN 16 concurrent creates of customers sharing one external id
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let (other, _) = t.account(Mode::Sandbox).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = t.store.clone();
        let account = account.id.clone();
        tasks.push(tokio::spawn(async move {
            let candidate = customer(Some("same-external"));
            let outcome = store
                .insert_customer(&account, &candidate, None)
                .await
                .unwrap();
            (candidate, outcome)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (candidate, outcome) = task.await.unwrap();
        match outcome {
            InsertCustomerOutcome::Inserted => winners.push(candidate),
            InsertCustomerOutcome::DuplicateExternalId => {
                // THEN a loser left no customer behind
                let ghost = t
                    .store
                    .get_customer_by_id(&account.id, &candidate.id)
                    .await
                    .unwrap();
                assert!(ghost.is_none(), "a refused create wrote its customer");
            }
        }
    }
    // THEN exactly one won, and the external id leads to it
    assert_eq!(winners.len(), 1);
    let found = t
        .store
        .get_customer(
            &account.id,
            &CustomerRef::External(ExternalId::parse("same-external").unwrap()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, winners[0]);

    // AND another account may use the same external id
    let elsewhere = customer(Some("same-external"));
    assert!(matches!(
        t.store
            .insert_customer(&other.id, &elsewhere, None)
            .await
            .unwrap(),
        InsertCustomerOutcome::Inserted
    ));
}

/// Whether the due index holds `id` as due at `now`.
async fn receipt_is_due(store: &Store, id: &ReceiptId, now: Timestamp) -> bool {
    let due = store.due_receipts(now, 1000).await.unwrap();
    due.iter().any(|(_, receipt)| &receipt.id == id)
}

async fn delivery_is_due(store: &Store, id: &DeliveryId, now: Timestamp) -> bool {
    let due = store.due_deliveries(now, 1000).await.unwrap();
    due.iter().any(|(_, delivery)| &delivery.id == id)
}

/// A due receipt goes to one worker: the lease takes it out of the due index until it runs
/// out, and a second worker holding the same view of it gets nothing. On a table of its own:
/// on the shared one, the tests' stream relay sends (and so leases) every new receipt.
#[tokio::test]
async fn a_due_receipt_is_leased_by_one_worker_only() {
    let t = TestApp::with_own_table("leases").await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let at = Timestamp::now();
    let payment = link(None, at);
    let invoice = Invoice::for_payment(&payment, CustomerId::generate(), InvoiceStatus::Paid, at);
    let id = ReceiptId::generate();
    t.store
        .put_receipt_fixture(&account.id, &id, &invoice, "payer@example.com", at)
        .await
        .unwrap();
    let seen = t
        .store
        .get_receipt(&account.id, &id)
        .await
        .unwrap()
        .unwrap();
    let due = seen.next_attempt_at.unwrap();
    assert!(receipt_is_due(&t.store, &id, due).await);

    let until = later(due, Duration::from_secs(60));
    assert!(
        t.store
            .lease_receipt(&account.id, &seen, until)
            .await
            .unwrap()
    );
    assert!(
        !t.store
            .lease_receipt(&account.id, &seen, until)
            .await
            .unwrap()
    );

    assert!(!receipt_is_due(&t.store, &id, due).await);
    assert!(receipt_is_due(&t.store, &id, until).await);
    let leased = t
        .store
        .get_receipt(&account.id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(leased.next_attempt_at, Some(until));
    assert_eq!(leased.attempts, seen.attempts);
}

/// An invoice's mail is recorded only while the invoice is sendable and neither it nor its
/// customer was mailed since their paces were read, all checked in the very write that records
/// it (and moves both paces on, writing nothing of the invoice): one voided, or raced by another
/// request's mail of the invoice or of another invoice of the customer, gets none.
#[tokio::test]
async fn an_invoice_mail_is_recorded_only_while_the_invoice_is_sendable_and_unsent_since() {
    use commet_payments::domain::invoice::InvoiceSettlement;
    use commet_payments::domain::send_pace::{MailPaces, SendPace};
    use commet_payments::store::InvoiceMail;

    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let at = Timestamp::now();
    let payment = link(None, at);
    let invoice = Invoice::for_payment(
        &payment,
        CustomerId::generate(),
        InvoiceStatus::Outstanding,
        at,
    );
    t.store
        .put_invoice_fixture(&account.id, &invoice)
        .await
        .unwrap();
    let hour = Duration::from_secs(3600);
    // Each mail moves each pace on by an hour from where it was seen.
    let queue = |account: AccountId, read: Invoice, invoice: SendPace, customer: SendPace| {
        let store = &t.store;
        let id = ReceiptId::generate();
        async move {
            let mail = InvoiceMail {
                id: id.clone(),
                to: "payer@example.com",
                at,
            };
            let seen = MailPaces { invoice, customer };
            let next = MailPaces {
                invoice: later(invoice.busy_until().unwrap_or(at), hour),
                customer: later(customer.busy_until().unwrap_or(at), hour),
            };
            let queued = store
                .queue_invoice_mail(&account, &read, seen, next, mail, None)
                .await
                .unwrap();
            (queued, id)
        }
    };
    // The first invoice's pace and its customer's, as the table has them now.
    let paces_now = || {
        let store = &t.store;
        let account = &account.id;
        let invoice = &invoice;
        async move {
            let (read, paces) = store
                .invoice_with_mail_paces(account, &invoice.id, &invoice.customer_id)
                .await
                .unwrap();
            assert_eq!(read.map(|read| read.id), Some(invoice.id.clone()));
            (paces.invoice, paces.customer)
        }
    };
    let recorded = |id: ReceiptId| {
        let store = &t.store;
        let account = &account.id;
        async move { store.get_receipt(account, &id).await.unwrap().is_some() }
    };
    let never = SendPace::default();
    let (queued, first) = queue(account.id.clone(), invoice.clone(), never, never).await;
    assert!(queued);
    let stored = t.store.get_receipt(&account.id, &first).await.unwrap();
    assert_eq!(stored.unwrap().invoice_id, invoice.id);
    let (invoice_pace, customer_pace) = paces_now().await;
    let busy_until = later(at, hour);
    assert_eq!(invoice_pace.busy_until(), Some(busy_until));
    assert_eq!(customer_pace.busy_until(), Some(busy_until));
    // Each pace item expires a day after its backlog is behind.
    let expires = busy_until.datetime().unix_timestamp() + 24 * 60 * 60;
    for pk in [
        keys::invoice_mail_pace(&account.id, &invoice.id),
        keys::customer_mail_pace(&account.id, &invoice.customer_id),
    ] {
        let item = t
            .store
            .client()
            .get_item()
            .table_name(t.store.table_name())
            .key(keys::PK, AttributeValue::S(pk))
            .key(keys::SK, AttributeValue::S(keys::MAIL_PACE_SK.to_owned()))
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        assert_eq!(item[keys::TTL], AttributeValue::N(expires.to_string()));
    }
    // And the invoice itself is as it was put.
    let read_now = t
        .store
        .get_invoice(&account.id, &invoice.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read_now, invoice);

    // Mailed by another request since its pace was read as never (the customer's as it is now).
    let (queued, raced) = queue(account.id.clone(), invoice.clone(), never, customer_pace).await;
    assert!(!queued);
    assert!(!recorded(raced).await);

    // Another invoice of the customer, never mailed itself, with the customer's pace read before
    // the first one's mail moved it: refused on the customer's pace alone.
    let sibling = Invoice::for_payment(
        &link(None, at),
        invoice.customer_id.clone(),
        InvoiceStatus::Outstanding,
        at,
    );
    t.store
        .put_invoice_fixture(&account.id, &sibling)
        .await
        .unwrap();
    let (queued, stale) = queue(account.id.clone(), sibling.clone(), never, never).await;
    assert!(!queued);
    assert!(!recorded(stale).await);
    // With the customer's pace as it is now, it goes.
    let (queued, mailed) = queue(account.id.clone(), sibling.clone(), never, customer_pace).await;
    assert!(queued);
    assert!(recorded(mailed).await);

    // Paces read after a mail and moved since by another: the customer's (by the sibling's
    // mail), then the invoice's.
    let (queued, stale) = queue(
        account.id.clone(),
        invoice.clone(),
        invoice_pace,
        customer_pace,
    )
    .await;
    assert!(!queued);
    assert!(!recorded(stale).await);
    let (_, customer_now) = paces_now().await;
    let (queued, mailed) = queue(
        account.id.clone(),
        invoice.clone(),
        invoice_pace,
        customer_now,
    )
    .await;
    assert!(queued);
    assert!(recorded(mailed).await);
    let (_, customer_now) = paces_now().await;
    let (queued, stale) = queue(
        account.id.clone(),
        invoice.clone(),
        invoice_pace,
        customer_now,
    )
    .await;
    assert!(!queued);
    assert!(!recorded(stale).await);

    // Voided meanwhile: the invoice as read before says outstanding, the table does not (both
    // paces as read are the table's).
    t.store
        .set_invoice_status(&account.id, &invoice.id, InvoiceSettlement::Void, at, None)
        .await
        .unwrap();
    let (invoice_now, customer_now) = paces_now().await;
    let (queued, voided) = queue(account.id.clone(), read_now, invoice_now, customer_now).await;
    assert!(!queued);
    assert!(!recorded(voided).await);

    // And an invoice the account does not have gets none either.
    let (other, _) = t.account(Mode::Sandbox).await;
    assert!(
        !queue(other.id.clone(), invoice.clone(), never, never)
            .await
            .0
    );
}

/// A link's check: leased by one run only, and a new attempt's check is never removed by a run
/// that leased the one it replaced.
#[tokio::test]
async fn a_link_check_is_leased_once_and_a_newer_attempts_check_outlives_the_old_lease() {
    use commet_payments::domain::ids::PaymentId;
    use commet_payments::domain::link_check::{LINK_CHECK_AFTER, LinkCheck};

    let t = TestApp::with_own_table("link-checks").await;
    let store = &t.store;
    let (account, _) = t.account(Mode::Live).await;
    let id = PaymentId::generate();
    let started = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
    let first = LinkCheck::new(id.clone(), started);
    store
        .schedule_link_check(&account.id, &first)
        .await
        .unwrap();
    let due_at = |at| store.due_link_checks(at, 10);
    assert!(due_at(started).await.unwrap().is_empty());
    let due = due_at(first.check_at).await.unwrap();
    assert_eq!(due, [(account.id.clone(), first.clone())]);

    let until = later(first.check_at, Duration::from_secs(120));
    let leased = store.lease_link_check(&account.id, &first, until).await;
    assert!(leased.unwrap());
    let again = store.lease_link_check(&account.id, &first, until).await;
    assert!(!again.unwrap(), "leased once");
    assert!(due_at(first.check_at).await.unwrap().is_empty());

    // A new attempt meanwhile: its check replaces the leased one, which cannot remove it
    let second = LinkCheck::new(id.clone(), later(started, LINK_CHECK_AFTER));
    store
        .schedule_link_check(&account.id, &second)
        .await
        .unwrap();
    assert!(
        !store
            .remove_link_check(&account.id, &id, until)
            .await
            .unwrap()
    );
    let due = due_at(second.check_at).await.unwrap();
    assert_eq!(due, [(account.id.clone(), second.clone())]);
    let removed = store
        .remove_link_check(&account.id, &id, second.check_at)
        .await;
    assert!(removed.unwrap());
    let far = later(second.check_at, LINK_CHECK_AFTER);
    assert!(due_at(far).await.unwrap().is_empty());
}

/// The same for a webhook delivery.
#[tokio::test]
async fn a_due_delivery_is_leased_by_one_worker_only() {
    let t = TestApp::with_own_table("leases").await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let due = Timestamp::now();
    let seen = Delivery {
        id: DeliveryId::generate(),
        webhook_id: WebhookId::generate(),
        event_id: EventId::generate(),
        event: "payment.created".into(),
        body: "{}".into(),
        status: DeliveryStatus::Pending,
        attempts: 1,
        next_attempt_at: Some(due),
        created_at: due,
        livemode: false,
    };
    assert!(t.store.open_delivery(&account.id, &seen).await.unwrap());
    assert!(delivery_is_due(&t.store, &seen.id, due).await);

    let until = later(due, Duration::from_secs(60));
    assert!(
        t.store
            .lease_delivery(&account.id, &seen, until)
            .await
            .unwrap()
    );
    assert!(
        !t.store
            .lease_delivery(&account.id, &seen, until)
            .await
            .unwrap()
    );

    assert!(!delivery_is_due(&t.store, &seen.id, due).await);
    assert!(delivery_is_due(&t.store, &seen.id, until).await);
    let leased = t
        .store
        .get_delivery(&account.id, &seen.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(leased.next_attempt_at, Some(until));
    assert_eq!(leased.attempts, 1);
}

/// The operator's lists read every page: more accounts, and more keys of one account, than a
/// page of 100 holds. An account holds at most 50 active keys; revoked keys do not count.
#[tokio::test]
async fn every_account_and_every_key_is_listed_past_one_page() {
    let t = TestApp::with_own_table("accounts").await;
    let mut accounts = HashMap::new();
    for n in 0..101 {
        let account = Account::create(
            &format!("Account {n}"),
            Mode::Sandbox,
            ApiVersion::CURRENT,
            Timestamp::now(),
        )
        .unwrap();
        let secret = ApiKeySecret::generate(&account).unwrap();
        let key = ApiKey::issue(&account, &secret, Timestamp::now());
        t.store.create_account(&account, &key).await.unwrap();
        accounts.insert(account.id.to_string(), key.id.to_string());
    }
    let owner = t.store.list_accounts().await.unwrap()[0].clone();
    let mut keys = HashSet::from([accounts[owner.id.as_str()].clone()]);
    // The first key and 100 more, 51 of them revoked: 101 keys, 50 active.
    for n in 0..100 {
        let key = t
            .issue_secret(&owner, &ApiKeySecret::generate(&owner).unwrap())
            .await;
        if n < 51 {
            let now = Timestamp::now();
            t.store
                .revoke_api_key(&owner.id, &key.id, now)
                .await
                .unwrap();
        }
        keys.insert(key.id.to_string());
    }
    let over = t
        .store
        .issue_api_key(&owner.id, |current| {
            ApiKey::issue(
                current,
                &ApiKeySecret::generate(current).unwrap(),
                Timestamp::now(),
            )
        })
        .await
        .unwrap();
    assert!(matches!(over, IssueKeyOutcome::AtKeyLimit), "{over:?}");
    // With its 50 hashes, and the longest name (200 bytes), the account's item fits one 4 KB
    // read unit: the hosted page reads it.
    let item = t
        .store
        .client()
        .get_item()
        .table_name(t.store.table_name())
        .key(keys::PK, AttributeValue::S(keys::account(&owner.id)))
        .key(keys::SK, AttributeValue::S(keys::ACCOUNT_SK.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let longest_name = 200 - owner.name.len();
    assert!(
        item_size(&item) + longest_name <= 4096,
        "{}",
        item_size(&item)
    );

    let listed = t.store.list_accounts().await.unwrap();
    assert_eq!(listed.len(), 101);
    let listed: HashSet<String> = listed.iter().map(|a| a.id.to_string()).collect();
    assert_eq!(listed, accounts.keys().cloned().collect());
    let listed = t.store.list_api_keys(&owner.id).await.unwrap();
    assert_eq!(listed.len(), 101);
    let listed: HashSet<String> = listed.iter().map(|k| k.id.to_string()).collect();
    assert_eq!(listed, keys);
}

#[tokio::test]
async fn a_provider_customer_is_replaced_only_in_place_of_the_gone_one() {
    // GIVEN a customer with no provider customer recorded, and one absent from the table
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Live).await;
    let theirs = customer(None);
    t.store
        .insert_customer(&account.id, &theirs, None)
        .await
        .unwrap();
    let recorded = || async {
        let found = t.store.get_customer_by_id(&account.id, &theirs.id).await;
        found.unwrap().unwrap().provider_customer
    };
    let replace = |gone: &'static str, made: &'static str| {
        let store = &t.store;
        let (account, id) = (&account.id, &theirs.id);
        async move {
            store
                .set_provider_customer(account, id, made, Some(gone))
                .await
                .unwrap()
        }
    };
    // THEN one is recorded where none was (one known only from a card saved before customers
    // kept their own)
    assert!(replace("cus_gone", "cus_a").await);
    assert_eq!(recorded().await.as_deref(), Some("cus_a"));
    // AND a replacement of another than the recorded one is refused: the recorded one stays
    assert!(!replace("cus_gone", "cus_b").await);
    assert_eq!(recorded().await.as_deref(), Some("cus_a"));
    // AND the recorded one is replaced in its place
    assert!(replace("cus_a", "cus_c").await);
    assert_eq!(recorded().await.as_deref(), Some("cus_c"));
    // AND nothing is written for a customer not there
    let absent = customer(None);
    let written = t
        .store
        .set_provider_customer(&account.id, &absent.id, "cus_d", Some("cus_a"))
        .await
        .unwrap();
    assert!(!written);
    assert!(
        t.store
            .get_customer_by_id(&account.id, &absent.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_attempt_taking_over_a_left_one_keeps_when_that_began_until_an_attempt_ends() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Live).await;
    let payment = link(None, Timestamp::now());
    insert(&t.store, &account.id, &payment).await;
    let left_at = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
    // WHEN an attempt begins taking over one left since `left_at`
    let BeginAttempt::Started(attempt) = t
        .store
        .begin_attempt(
            &account.id,
            &payment.id,
            None,
            Some(left_at),
            Timestamp::now(),
        )
        .await
        .unwrap()
    else {
        panic!("begun");
    };
    // THEN it keeps when that began: what settles the link looks back to it
    assert_eq!(attempt.payment.unsettled_since, Some(left_at));
    assert_eq!(attempt.payment.open_attempts_since(), Some(left_at));
    let read = t.store.get_link_attempt(&account.id, &payment.id).await;
    assert_eq!(
        read.unwrap().unwrap().payment.unsettled_since,
        Some(left_at)
    );
    // WHEN the attempt ends unpaid
    let ended = declined(&t, &account.id, &attempt).await;
    // THEN it is gone with the attempt, and a next attempt that takes over nothing has none
    assert_eq!(ended.unsettled_since, None);
    let BeginAttempt::Started(next) = t
        .store
        .begin_attempt(&account.id, &payment.id, None, None, Timestamp::now())
        .await
        .unwrap()
    else {
        panic!("begun");
    };
    assert_eq!(next.payment.unsettled_since, None);
    assert_eq!(
        next.payment.open_attempts_since(),
        next.payment.attempt_started_at
    );
}

#[tokio::test]
async fn the_intents_an_attempt_records_are_kept_by_a_takeover_until_an_attempt_ends() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Live).await;
    let payment = link(None, Timestamp::now());
    insert(&t.store, &account.id, &payment).await;
    let begin = |since: Option<Timestamp>| {
        let (store, account, id) = (&t.store, &account.id, &payment.id);
        async move {
            match store
                .begin_attempt(account, id, None, since, Timestamp::now())
                .await
                .unwrap()
            {
                BeginAttempt::Started(attempt) => attempt,
                other => panic!("not begun: {other:?}"),
            }
        }
    };
    let references = || async {
        let read = t.store.get_link_attempt(&account.id, &payment.id).await;
        read.unwrap().unwrap().payment.open_references
    };
    // GIVEN an attempt that recorded its PaymentIntent, then was left
    let first = begin(None).await;
    assert!(first.payment.open_references.is_empty());
    let recorded = t.store.record_open_reference(&account.id, &first, "pi_a");
    assert!(recorded.await.unwrap());
    assert_eq!(references().await, ["pi_a"]);
    t.begin_attempt_long_ago(&account.id, payment.id.as_str())
        .await;
    // WHEN an attempt takes it over
    let left_at = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
    let second = begin(Some(left_at)).await;
    // THEN it holds the left one's PaymentIntent, and records its own beside it; the attempt
    // taken over records nothing more
    assert_eq!(second.payment.open_references, ["pi_a"]);
    let late = t
        .store
        .record_open_reference(&account.id, &first, "pi_late");
    assert!(!late.await.unwrap());
    let own = t.store.record_open_reference(&account.id, &second, "pi_b");
    assert!(own.await.unwrap());
    assert_eq!(references().await, ["pi_a", "pi_b"]);
    // WHEN it ends
    let ended = declined(&t, &account.id, &second).await;
    // THEN they are gone with it: its end settled them
    assert!(ended.open_references.is_empty());
    let after = t
        .store
        .record_open_reference(&account.id, &second, "pi_after");
    assert!(!after.await.unwrap());
    // AND an attempt that takes over nothing starts with none, also where an earlier one's
    // were left behind
    let third = begin(None).await;
    let recorded = t.store.record_open_reference(&account.id, &third, "pi_c");
    assert!(recorded.await.unwrap());
    t.begin_attempt_long_ago(&account.id, payment.id.as_str())
        .await;
    let fourth = begin(None).await;
    assert!(fourth.payment.open_references.is_empty());
}

/// Ends the current `attempt` declined: the link as it is then.
async fn declined(t: &TestApp, account: &AccountId, attempt: &Attempt) -> Payment {
    let failure = Failure {
        code: "card_declined".into(),
        message: "Declined.".into(),
    };
    let unpaid = Unpaid {
        status: PaymentStatus::Failed,
        failure: &failure,
        card: None,
    };
    t.store
        .end_attempt_unpaid(account, attempt, unpaid, Timestamp::now())
        .await
        .unwrap()
        .expect("the current attempt ends")
}

/// A page reads a bounded number of items when a filter or a search may drop some: one that
/// runs out answers what it kept so far (even nothing) and a position to go on from, at the
/// last item it read, and going on finds the rest, each once.
#[tokio::test]
async fn a_narrowed_list_that_runs_out_of_reads_answers_a_short_page_to_go_on_from() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let mut made = Vec::new();
    for name in ["Wanted Oldest", "Other", "Other", "Other", "Other"] {
        let mut customer = customer(None);
        customer.full_name = Some(FullName::parse(name).unwrap());
        customer.archived = made.is_empty();
        t.store
            .insert_customer(&account.id, &customer, None)
            .await
            .unwrap();
        made.push(customer.id);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let store = t.store.clone().reading_at_most(2);
    let wanted = CustomerSearch::parse("wanted").unwrap();
    let other = CustomerSearch::parse("OTHER").unwrap();
    let oldest_alone = vec![vec![], vec![], vec![made[0].clone()]];
    // Newest first, two read per request.
    let pages = pages_of_customers(&store, &account.id, None, Some(&wanted)).await;
    assert_eq!(pages, oldest_alone, "a search");
    let pages = pages_of_customers(&store, &account.id, Some(true), None).await;
    assert_eq!(pages, oldest_alone, "a filter");
    let pages = pages_of_customers(&store, &account.id, Some(true), Some(&wanted)).await;
    assert_eq!(pages, oldest_alone, "both");
    let pages = pages_of_customers(&store, &account.id, Some(false), Some(&other)).await;
    let newer = |i: usize| made[i].clone();
    assert_eq!(
        pages,
        [vec![newer(4), newer(3)], vec![newer(2), newer(1)], vec![]]
    );
    // As deployed (a thousand reads a page), one page.
    let pages = pages_of_customers(&t.store, &account.id, Some(true), Some(&wanted)).await;
    assert_eq!(pages, [vec![made[0].clone()]]);
}

/// The account's invoices of one status are a partition of their own: one exact page however
/// few match. A customer's are filtered by status, within the same bound as the customers'.
#[tokio::test]
async fn invoices_of_a_status_are_read_alone_and_a_customers_within_the_bound() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let customer = CustomerId::generate();
    let mut made = Vec::new();
    // The oldest void, four paid after it, all of one customer.
    let mut statuses = vec![InvoiceStatus::Paid; 4];
    statuses.insert(0, InvoiceStatus::Void);
    for status in statuses {
        let at = Timestamp::now();
        let invoice = Invoice::for_payment(&link(None, at), customer.clone(), status, at);
        t.store
            .put_invoice_fixture(&account.id, &invoice)
            .await
            .unwrap();
        made.push(invoice.id);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let store = t.store.clone().reading_at_most(2);
    let void = Some(InvoiceStatus::Void);
    let of_account = every_page(async |page| {
        let found = store.list_invoices(&account.id, None, void, page).await;
        let found = found.unwrap();
        (found.items.into_iter().map(|i| i.id).collect(), found.next)
    })
    .await;
    assert_eq!(of_account, [vec![made[0].clone()]]);
    let of_customer = every_page(async |page| {
        let found = store.list_invoices(&account.id, Some(&customer), void, page);
        let found = found.await.unwrap();
        (found.items.into_iter().map(|i| i.id).collect(), found.next)
    })
    .await;
    assert_eq!(of_customer, [vec![], vec![], vec![made[0].clone()]]);
}

/// An invoice written before the by-status index (no `gsi3` keys) is in no status's list until
/// it is indexed as it is, or settled, which puts it in its new status's list.
#[tokio::test]
async fn invoices_written_before_the_status_index_join_it_when_indexed_or_settled() {
    let t = TestApp::new().await;
    let (account, _) = t.account(Mode::Sandbox).await;
    let mut older = Vec::new();
    for _ in 0..3 {
        let at = Timestamp::now();
        let status = InvoiceStatus::Outstanding;
        let invoice = Invoice::for_payment(&link(None, at), CustomerId::generate(), status, at);
        t.store
            .put_invoice_fixture(&account.id, &invoice)
            .await
            .unwrap();
        as_before_the_status_index(&t.store, &account.id, &invoice.id).await;
        older.push(invoice.id);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let of_status = async |status| {
        let page = PageRequest {
            limit: PageLimit::DEFAULT,
            after: None,
        };
        let found = t
            .store
            .list_invoices(&account.id, None, Some(status), &page);
        let found = found.await.unwrap();
        found.items.into_iter().map(|i| i.id).collect::<Vec<_>>()
    };
    assert_eq!(of_status(InvoiceStatus::Outstanding).await, []);

    // Settled, the oldest goes into the list of its new status.
    let paid = InvoiceSettlement::Paid;
    let settled = t
        .store
        .set_invoice_status(&account.id, &older[0], paid, Timestamp::now(), None);
    assert!(matches!(
        settled.await.unwrap(),
        SetInvoiceStatus::Updated(_)
    ));
    assert_eq!(of_status(InvoiceStatus::Paid).await, [older[0].clone()]);

    // Indexing adds the two others, newest first, and then finds nothing to do.
    let added = t.store.index_invoices_by_status(&account.id).await.unwrap();
    assert_eq!(added, 2);
    assert_eq!(
        of_status(InvoiceStatus::Outstanding).await,
        [older[2].clone(), older[1].clone()]
    );
    assert_eq!(of_status(InvoiceStatus::Paid).await, [older[0].clone()]);
    assert_eq!(
        t.store.index_invoices_by_status(&account.id).await.unwrap(),
        0
    );
}

async fn pages_of_customers(
    store: &Store,
    account: &AccountId,
    archived: Option<bool>,
    search: Option<&CustomerSearch>,
) -> Vec<Vec<CustomerId>> {
    every_page(async |page| {
        let found = store.list_customers(account, archived, search, page).await;
        let found = found.unwrap();
        (found.items.into_iter().map(|c| c.id).collect(), found.next)
    })
    .await
}

/// The ids of every page `list` answers, from the first on, each going on from the last.
pub(crate) async fn every_page<Id>(
    mut list: impl AsyncFnMut(&PageRequest) -> (Vec<Id>, Option<Position>),
) -> Vec<Vec<Id>> {
    let mut page = PageRequest {
        limit: PageLimit::DEFAULT,
        after: None,
    };
    let mut pages = Vec::new();
    loop {
        let (ids, next) = list(&page).await;
        pages.push(ids);
        match next {
            Some(next) => page.after = Some(next),
            None => return pages,
        }
        assert!(pages.len() < 10, "paging ends");
    }
}
