//! Receipts (docs/contract.md §5): every settled payment e-mails its payer exactly one receipt
//! through SES (here aws-ses-v2-local), from the stream, with what the payer needs to know; an
//! invoice sent on request goes out the same way.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::app::ReceiptReport;
use commet_payments::domain::account::{Account, Mode};
use commet_payments::domain::ids::{AccountId, InvoiceId, ReceiptId};
use commet_payments::domain::mail_cap::{MailCap, MailHour};
use commet_payments::domain::receipt::{Receipt, ReceiptStatus};
use commet_payments::domain::time::Timestamp;
use commet_payments::outbound::Mailer;
use serde_json::{Value, json};

use crate::charges::receipts;
use crate::helpers::{
    MetricFilter, Observed, TestApp, TestResponse, card, customer_with_card, event, free_port,
    invoice_number, logged, names, outstanding_invoice, sent_mail, ses_endpoint, stream_relay,
    template,
};

/// The e-mails to `to`, once `wanted` arrived (failing after 30 s) and nothing more came for 3 s.
async fn mail_to(to: &str, wanted: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let find = || async {
        sent_mail()
            .await
            .into_iter()
            .filter(|mail| mail["destination"]["to"] == json!([to]))
            .collect::<Vec<_>>()
    };
    loop {
        let found = find().await;
        if found.len() >= wanted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {wanted} receipts to {to} arrived",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    find().await
}

/// A mailer to this test process's aws-ses-v2-local, as the receipts worker builds it.
fn mailer() -> &'static Mailer {
    static MAILER: OnceLock<Mailer> = OnceLock::new();
    MAILER.get_or_init(|| Mailer::new("receipts@commet-payments.test".into(), Some(ses_endpoint())))
}

/// An address of this test's own, so that mail to it is this test's alone.
fn own_address(account: &Account, what: &str) -> String {
    format!(
        "{what}-{}@example.com",
        &account.id.as_str()[5..15].to_ascii_lowercase()
    )
}

/// A link of `body` paid on its page by a new customer at `payer`: the payment as read after.
async fn link_paid_by(t: &TestApp, key: &str, body: Value, payer: &str) -> TestResponse {
    let link = t.create("/api/v1/payments", key, body).await;
    let mut fields = vec![("email", payer)];
    let good = card("4242424242424242");
    fields.extend_from_slice(&good);
    assert_eq!(t.pay(&link, &fields).await.status, 200);
    t.get(&format!("/api/v1/payments/{link}"), key).await
}

/// Marks `invoice` paid or void, answering as it was answered.
async fn settle(t: &TestApp, key: &str, invoice: &str, status: &str) -> TestResponse {
    let settled = t
        .send(
            event("PATCH", &format!("/api/v1/invoices/{invoice}/status"))
                .key(key)
                .json(json!({ "status": status }))
                .build(),
        )
        .await;
    assert_eq!(settled.status, 200, "{:#}", settled.body);
    settled
}

#[tokio::test]
async fn each_settled_payment_mails_its_payer_one_receipt_that_says_what_was_paid() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let payer = own_address(&account, "receipt");

    // A link paid on its page by a new customer, then a charge of that customer's card.
    let body = json!({ "amount": 2500, "currency": "usd", "description": "Order <b>#7</b>" });
    let payment = link_paid_by(&t, &key, body, &payer).await;
    let link = payment.data()["id"].as_str().unwrap().to_owned();
    let customer = payment.data()["customerId"].as_str().unwrap().to_owned();
    let invoice_id = payment.data()["invoiceId"].as_str().unwrap().to_owned();
    let invoice = t.get(&format!("/api/v1/invoices/{invoice_id}"), &key).await;

    let mail = mail_to(&payer, 1).await;
    assert_eq!(mail.len(), 1, "exactly one receipt: {mail:#?}");
    let receipt = &mail[0];
    // In the merchant's name, at the deployment's sender address.
    assert_eq!(
        receipt["from"],
        "\"Test account\" <receipts@commet-payments.test>"
    );
    assert_eq!(
        receipt["subject"],
        format!(
            "Your receipt from Test account ({})",
            invoice.data()["invoiceNumber"].as_str().unwrap()
        )
    );
    let html = receipt["body"]["html"].as_str().unwrap();
    let text = receipt["body"]["text"].as_str().unwrap();
    for part in [
        "Test account",
        "$25.00",
        invoice.data()["invoiceNumber"].as_str().unwrap(),
        "Visa ending in 4242",
        link.as_str(),
        &payment.data()["updatedAt"].as_str().unwrap()[..10],
    ] {
        assert!(
            html.contains(part) && text.contains(part),
            "{part} in {text}"
        );
    }
    assert!(
        html.contains("Order &#60;b&#62;#7&#60;/b&#62;"),
        "escaped: {html}"
    );
    assert!(text.contains("Order <b>#7</b>"));

    let charge = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 1999, "currency": "usd", "description": "מילוי" }),
        )
        .await;
    assert_eq!(charge.status, 200, "{}", charge.text);
    let mail = mail_to(&payer, 2).await;
    assert_eq!(mail.len(), 2, "one more receipt, for the charge");
    // A description written right to left is isolated in the text part (Unicode's marks), so
    // that the amount after it stays after it, and in the HTML (`<bdi>`).
    let text = mail[1]["body"]["text"].as_str().unwrap();
    assert!(
        text.contains("\n\u{2068}מילוי\u{2069}: $19.99\n"),
        "{text:?}"
    );
    let html = mail[1]["body"]["html"].as_str().unwrap();
    assert!(html.contains("<bdi>מילוי</bdi>"), "{html}");

    // Both receipt records moved pending -> sent, with SES's message id.
    let records = receipts(&t, &account.id).await;
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record["status"], AttributeValue::S("sent".into()));
        assert_eq!(record["attempts"], AttributeValue::N("1".into()));
        let id = record["messageId"].as_s().unwrap();
        assert!(mail.iter().any(|m| m["messageId"] == id.as_str()), "{id}");
        assert!(!record.contains_key("gsi2pk"), "out of the due index");
    }
}

#[tokio::test]
async fn a_declined_payment_mails_nothing() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let customer = customer_with_card(&t, &key, None, "4000000000000341").await;
    // The link that saved the card was paid: its receipt went to payer@example.com. The charge
    // declines: nothing more goes out for this account.
    let declined = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 300, "currency": "usd", "description": "No" }),
        )
        .await;
    assert_eq!(declined.status, 402);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ours: Vec<Value> = sent_mail()
        .await
        .into_iter()
        .filter(|mail| {
            mail["body"]["text"]
                .as_str()
                .is_some_and(|text| text.contains(account.name.as_str()) && text.contains("$3.00"))
        })
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
}

/// Sends `invoice` (with `headers`), answering as it was answered.
pub async fn send_invoice(
    t: &TestApp,
    key: &str,
    invoice: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = event("POST", &format!("/api/v1/invoices/{invoice}/send")).key(key);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    t.send(request.build()).await
}

#[tokio::test]
async fn an_invoice_sent_on_request_is_a_bill_while_outstanding_and_a_receipt_once_paid() {
    // GIVEN the outstanding invoice of a declined charge, its customer's address changed since
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let (customer, invoice) = outstanding_invoice(&t, &key).await;
    let to = own_address(&account, "bill");
    let moved = t
        .send(
            event("PUT", &format!("/api/v1/customers/{customer}"))
                .key(&key)
                .json(json!({ "email": to }))
                .build(),
        )
        .await;
    assert_eq!(moved.status, 200, "{:#}", moved.body);
    let number = invoice_number(&t, &key, &invoice).await;

    // WHEN it is sent
    let sent = send_invoice(&t, &key, &invoice, &[]).await;

    // THEN the answer says so, and the customer's address as it is now gets a bill
    assert_eq!(sent.status, 200, "{:#}", sent.body);
    assert_eq!(sent.data()["sent"], true);
    assert_eq!(sent.data()["object"], "invoice", "as 2026-07-11 names it");
    assert_eq!(sent.data()["livemode"], false);
    assert!(sent.data()["sentAt"].as_str().unwrap().ends_with('Z'));
    let mail = mail_to(&to, 1).await;
    assert_eq!(mail.len(), 1, "{mail:#?}");
    assert_eq!(
        mail[0]["subject"],
        format!("Invoice {number} from Test account: $3.00 due")
    );
    let text = mail[0]["body"]["text"].as_str().unwrap();
    assert!(text.contains("Amount due (USD): $3.00"), "{text}");
    assert!(
        !text.contains("Paid with"),
        "the declined card paid nothing"
    );

    // WHEN it is marked paid and sent again
    let paid = settle(&t, &key, &invoice, "paid").await;
    assert_eq!(send_invoice(&t, &key, &invoice, &[]).await.status, 200);

    // THEN the second mail is its receipt, dated when it was marked paid, naming no card
    let mail = mail_to(&to, 2).await;
    assert_eq!(mail.len(), 2, "{mail:#?}");
    assert_eq!(
        mail[1]["subject"],
        format!("Your receipt from Test account ({number})")
    );
    let text = mail[1]["body"]["text"].as_str().unwrap();
    assert!(text.contains("Total (USD): $3.00"), "{text}");
    assert!(
        text.contains(&paid.data()["updatedAt"].as_str().unwrap()[..10]),
        "{text}"
    );
    assert!(!text.contains("Paid with"), "{text}");

    // AND both mails' records moved to sent, with SES's message ids
    let records: Vec<_> = receipts(&t, &account.id)
        .await
        .into_iter()
        .filter(|record| record["invoiceId"] == AttributeValue::S(invoice.clone()))
        .collect();
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record["status"], AttributeValue::S("sent".into()));
        assert_eq!(record["email"], AttributeValue::S(to.clone()));
    }
}

#[tokio::test]
async fn an_adjustment_is_mailed_as_a_bill_and_a_credit_as_a_credit_note_naming_no_payment() {
    // GIVEN a customer, a charge adjustment and a credit
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let to = own_address(&account, "adjusted");
    let customer = t
        .create("/api/v1/customers", &key, json!({ "email": to }))
        .await;
    let issue = |amount: i64, description: &str| {
        let body = json!({ "customerId": customer, "amount": amount, "description": description,
                           "currency": "gbp" });
        let t = &t;
        let key = &key;
        async move { t.create("/api/v1/invoices", key, body).await }
    };
    let charge = issue(4000, "Support hours").await;
    let credit = issue(-1250, "Outage credit").await;

    // WHEN both are sent
    for invoice in [&charge, &credit] {
        let sent = send_invoice(&t, &key, invoice, &[]).await;
        assert_eq!(sent.status, 200, "{:#}", sent.body);
    }

    // THEN the charge is a bill and the credit a credit note, neither naming a payment
    let mail = mail_to(&to, 2).await;
    assert_eq!(mail.len(), 2, "{mail:#?}");
    let text_of = |subject_start: &str| {
        let found = mail
            .iter()
            .find(|m| m["subject"].as_str().unwrap().starts_with(subject_start))
            .unwrap_or_else(|| panic!("no mail {subject_start}: {mail:#?}"));
        found["body"]["text"].as_str().unwrap().to_owned()
    };
    let bill = text_of("Invoice INV-000001 from Test account: £40.00 due");
    assert!(bill.contains("Support hours: £40.00"), "{bill}");
    let note = text_of("Credit note INV-000002 from Test account: -£12.50 credited");
    assert!(note.contains("Credited (GBP): -£12.50"), "{note}");
    assert!(note.contains("There is nothing to pay"), "{note}");
    for text in [&bill, &note] {
        assert!(!text.contains("Payment:"), "no payment to name: {text}");
    }
}

#[tokio::test]
async fn a_void_invoice_is_not_sent_and_a_send_answers_errors_in_the_envelope() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let (customer, _) = outstanding_invoice(&t, &key).await;
    let void = crate::helpers::declined_invoice(&t, &key, &customer).await;
    settle(&t, &key, &void, "void").await;

    let refused = send_invoice(&t, &key, &void, &[]).await;
    let error = refused.error(409, "invoice_not_sendable");
    assert!(
        error["message"].as_str().unwrap().contains("void"),
        "{error}"
    );
    send_invoice(&t, &key, "inv_01KEVENTS1NV0CE00000000099", &[])
        .await
        .error(404, "invoice_not_found");
    send_invoice(&t, &key, "not-an-id", &[])
        .await
        .error(404, "invoice_not_found");
    let (_, other) = t.account(Mode::Sandbox).await;
    send_invoice(&t, &other, &void, &[])
        .await
        .error(404, "invoice_not_found");
    let with_fields = t
        .send(
            event("POST", &format!("/api/v1/invoices/{void}/send"))
                .key(&key)
                .json(json!({ "to": "someone@example.com" }))
                .build(),
        )
        .await;
    assert_eq!(with_fields.error(400, "validation_error")["param"], "to");
    assert!(
        receipts(&t, &account.id)
            .await
            .iter()
            .all(|record| record["invoiceId"] != AttributeValue::S(void.clone())),
        "nothing recorded for the void invoice"
    );
}

#[tokio::test]
async fn a_send_under_one_key_mails_once_and_each_version_names_its_answer() {
    // GIVEN a paid invoice (a link paid on its page) of a customer with an address of its own
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let to = own_address(&account, "again");
    let body = json!({ "amount": 1250, "currency": "eur", "description": "Tea" });
    let payment = link_paid_by(&t, &key, body, &to).await;
    let invoice = payment.data()["invoiceId"].as_str().unwrap().to_owned();
    assert_eq!(mail_to(&to, 1).await.len(), 1, "the receipt of the payment");

    // WHEN it is sent twice under one Idempotency-Key
    let first = send_invoice(&t, &key, &invoice, &[("Idempotency-Key", "resend-1")]).await;
    let second = send_invoice(&t, &key, &invoice, &[("Idempotency-Key", "resend-1")]).await;

    // THEN both answers are the first, and one more receipt went out, naming the card that paid
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(second.text, first.text);
    let mail = mail_to(&to, 2).await;
    assert_eq!(mail.len(), 2, "{mail:#?}");
    assert_eq!(mail[1]["subject"], mail[0]["subject"]);
    assert!(
        mail[1]["body"]["text"]
            .as_str()
            .unwrap()
            .contains("Visa ending in 4242")
    );

    // AND each version names the answer as its SDKs expect
    for (version, enveloped, object) in [
        ("2026-07-11", true, "invoice"),
        ("2026-07-24", false, "invoice_delivery"),
    ] {
        let answer = send_invoice(&t, &key, &invoice, &[("Commet-Version", version)]).await;
        assert_eq!(answer.status, 200, "{:#}", answer.body);
        assert_eq!(answer.body.get("success").is_some(), enveloped, "{version}");
        assert_eq!(answer.data()["object"], object, "{version}");
    }
}

#[tokio::test]
async fn a_mail_whose_invoice_was_voided_before_it_went_out_is_given_up_at_once() {
    // GIVEN an invoice voided after its mail was recorded (here: the record written after)
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let (_, invoice) = outstanding_invoice(&t, &key).await;
    settle(&t, &key, &invoice, "void").await;
    let id = InvoiceId::parse(&invoice).unwrap();
    let stored = t
        .store
        .get_invoice(&account.id, &id)
        .await
        .unwrap()
        .unwrap();
    let to = own_address(&account, "void");
    let mail = ReceiptId::generate();
    t.store
        .put_receipt_fixture(&account.id, &mail, &stored, &to, Timestamp::now())
        .await
        .unwrap();

    // WHEN the stream hands it to the receipts worker
    let deadline = Instant::now() + Duration::from_secs(30);
    let receipt = loop {
        let receipt = t
            .store
            .get_receipt(&account.id, &mail)
            .await
            .unwrap()
            .unwrap();
        if receipt.attempts > 0 {
            break receipt;
        }
        assert!(Instant::now() < deadline, "the worker never took it");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    // THEN it is failed after one attempt, not scheduled again, and nothing was mailed
    assert_eq!(receipt.status, ReceiptStatus::Failed);
    assert_eq!(receipt.attempts, 1);
    assert_eq!(receipt.next_attempt_at, None);
    assert!(
        receipt.error.as_deref().unwrap().contains("void"),
        "{receipt:?}"
    );
    assert!(mail_to(&to, 0).await.is_empty());
}

/// What a run that sent the one receipt it was given reports.
const ONE_SENT: ReceiptReport = ReceiptReport {
    attempts: 1,
    sent: 1,
    held_back: 0,
};

#[tokio::test]
async fn a_receipt_reads_its_payment_invoice_and_merchant_in_one_round_trip() {
    // GIVEN, on a table no stream relay reads, the receipts of a paid link and of an adjustment
    let t = TestApp::with_own_table("receipt-reads").await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let payer = own_address(&account, "one-read");
    let body = json!({ "amount": 2500, "currency": "usd", "description": "Read once" });
    let paid = link_paid_by(&t, &key, body, &payer).await;
    let customer = paid.data()["customerId"].as_str().unwrap().to_owned();
    let adjustment = t
        .create(
            "/api/v1/invoices",
            &key,
            json!({ "customerId": customer, "amount": 700, "description": "Extra", "currency": "usd" }),
        )
        .await;
    let billed = own_address(&account, "one-read-bill");
    let paid_invoice = paid.data()["invoiceId"].as_str().unwrap().to_owned();
    let paid_mail = pending_receipts(&t, &account.id, &[paid_invoice], &payer).await;
    let adjustment_mail = pending_receipts(&t, &account.id, &[adjustment], &billed).await;
    let mailer = mailer();
    let observed = Observed::default();
    let container = t
        .another_container_observed_by(observed.clone())
        .as_worker("send_receipts");

    // WHEN a container new to the account sends the paid link's receipt
    let report = container
        .app
        .send_receipts(mailer, paid_mail)
        .await
        .unwrap();

    // THEN between taking the receipt and counting it in its hour, it read the payment, the
    // invoice and the account in one request, and the mail names what each of them holds
    assert_eq!(report, ONE_SENT);
    assert_eq!(
        observed.operations(),
        names(&["BatchGetItem", "UpdateItem", "UpdateItem", "UpdateItem"])
    );
    assert_eq!(observed.most_at_once(), 1);
    let mail = mail_to(&payer, 1).await;
    assert_eq!(mail.len(), 1, "{mail:#?}");
    let text = mail[0]["body"]["text"].as_str().unwrap();
    for part in ["Test account", "$25.00", "Visa ending in 4242", "Read once"] {
        assert!(text.contains(part), "{part} in {text}");
    }

    // WHEN the same container sends the adjustment's mail (no payment; the account it knows)
    let report = container
        .app
        .send_receipts(mailer, adjustment_mail)
        .await
        .unwrap();

    // THEN it read the invoice alone
    assert_eq!(report, ONE_SENT);
    assert_eq!(
        observed.operations(),
        names(&[&["BatchGetItem", "GetItem"][..], &["UpdateItem"; 6]].concat())
    );
    let mail = mail_to(&billed, 1).await;
    assert_eq!(mail.len(), 1, "{mail:#?}");
    let text = mail[0]["body"]["text"].as_str().unwrap();
    assert!(text.contains("Extra: $7.00"), "{text}");
}

#[tokio::test]
async fn an_account_with_a_cap_of_its_own_mails_under_it_not_the_deployments() {
    // GIVEN a deployment whose accounts may each send 2 mails an hour, one account the operator
    // held to 1 and one it allowed 3, each with 3 mails pending
    let t = capped_at(2).await;
    let mut mails = Vec::new();
    let mut addresses = Vec::new();
    for (name, own_cap) in [("held", 1), ("allowed", 3)] {
        let (account, to, pending) = mails_of_a_new_account(&t, name, 3).await;
        let cap = Some(MailCap::new(own_cap).unwrap());
        let set = t.store.set_mail_cap(&account.id, cap).await.unwrap();
        assert_eq!(set.unwrap().mail_cap, cap);
        mails.extend(pending);
        addresses.push(to);
    }
    an_hour_with_a_minute_left().await;

    // WHEN the receipts worker takes them all at once
    let worker = t.as_worker("send_receipts");
    let report = worker.app.send_receipts(mailer(), mails).await.unwrap();

    // THEN each account sent as many as its own cap allows, the one above the deployment's too
    assert_eq!(
        report,
        ReceiptReport {
            attempts: 4,
            sent: 4,
            held_back: 2
        }
    );
    assert_eq!(mail_to(&addresses[0], 1).await.len(), 1);
    assert_eq!(mail_to(&addresses[1], 3).await.len(), 3);
}

#[tokio::test]
async fn a_mail_ses_refused_does_not_use_up_its_hours_cap() {
    // GIVEN a deployment whose accounts may each send 1 mail an hour, and one mail pending
    let t = capped_at(1).await;
    let (account, to, mails) = mails_of_a_new_account(&t, "refused", 1).await;
    an_hour_with_a_minute_left().await;

    // WHEN SES refuses it (aws-ses-v2-local answers 400 to a mail from no sender)
    static REFUSING: OnceLock<Mailer> = OnceLock::new();
    let refusing = REFUSING.get_or_init(|| Mailer::new(String::new(), Some(ses_endpoint())));
    let worker = t.as_worker("send_receipts");
    let report = worker
        .app
        .send_receipts(refusing, mails.clone())
        .await
        .unwrap();
    assert_eq!(
        report,
        ReceiptReport {
            attempts: 1,
            sent: 0,
            held_back: 0
        }
    );

    // THEN it used none of the hour's mails: tried again in the same hour, it goes
    let id = &mails[0].1.id;
    let refused = t.store.get_receipt(&account.id, id).await.unwrap().unwrap();
    assert_eq!(
        (refused.status, refused.attempts),
        (ReceiptStatus::Pending, 1)
    );
    let report = worker
        .app
        .send_receipts(mailer(), vec![(account.id.clone(), refused)])
        .await
        .unwrap();
    assert_eq!(report, ONE_SENT);
    assert_eq!(mail_to(&to, 1).await.len(), 1);

    // AND a mail SES may have taken (no answer came) stays counted: tried again in the same
    // hour, it waits
    let (account, _, mails) = mails_of_a_new_account(&t, "unanswered", 1).await;
    static UNREACHABLE: OnceLock<Mailer> = OnceLock::new();
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let unreachable =
        UNREACHABLE.get_or_init(|| Mailer::new("r@example.com".into(), Some(&nowhere)));
    let report = worker
        .app
        .send_receipts(unreachable, mails.clone())
        .await
        .unwrap();
    assert_eq!((report.attempts, report.sent), (1, 0));
    let unanswered = t
        .store
        .get_receipt(&account.id, &mails[0].1.id)
        .await
        .unwrap()
        .unwrap();
    let report = worker
        .app
        .send_receipts(mailer(), vec![(account.id.clone(), unanswered)])
        .await
        .unwrap();
    assert_eq!(report.held_back, 1);
}

/// An app whose accounts may each send `per_hour` mails an hour, on a table no stream relay
/// reads (so that only the test's own calls send).
async fn capped_at(per_hour: u32) -> TestApp {
    TestApp::custom(Some("mail-cap"), |config| {
        config.mail_cap = MailCap::new(per_hour).unwrap();
    })
    .await
}

/// A new account of `t`'s with `count` receipts pending (as the stream would hand them over),
/// each of its own invoice to one customer at an address of the account's own: the account,
/// the address, the receipts.
async fn mails_of_a_new_account(
    t: &TestApp,
    name: &str,
    count: u32,
) -> (Account, String, Vec<(AccountId, Receipt)>) {
    let (account, key) = t.account(Mode::Sandbox).await;
    let to = own_address(&account, name);
    let customer = t
        .create("/api/v1/customers", &key, json!({ "email": to }))
        .await;
    let mut invoices = Vec::new();
    for n in 0..count {
        let body = json!({ "customerId": customer, "amount": 100 + n, "description": "Fee",
                           "currency": "usd" });
        invoices.push(t.create("/api/v1/invoices", &key, body).await);
    }
    let pending = pending_receipts(t, &account.id, &invoices, &to).await;
    (account, to, pending)
}

/// The current clock hour, once it has more than a minute left (waiting for the next if not):
/// mails sent now are all counted in it.
async fn an_hour_with_a_minute_left() -> MailHour {
    loop {
        let now = Timestamp::now();
        let hour = MailHour::of(now);
        if hour.ends.datetime() - now.datetime() > time::Duration::minutes(1) {
            return hour;
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Pending receipts, as the stream would hand them over, of `invoices` (ids) of `account`, each
/// to `to`.
async fn pending_receipts(
    t: &TestApp,
    account: &AccountId,
    invoices: &[String],
    to: &str,
) -> Vec<(AccountId, Receipt)> {
    let mut pending = Vec::new();
    for invoice in invoices {
        let invoice = InvoiceId::parse(invoice).unwrap();
        let invoice = t
            .store
            .get_invoice(account, &invoice)
            .await
            .unwrap()
            .unwrap();
        let id = ReceiptId::generate();
        t.store
            .put_receipt_fixture(account, &id, &invoice, to, Timestamp::now())
            .await
            .unwrap();
        let receipt = t.store.get_receipt(account, &id).await.unwrap().unwrap();
        pending.push((account.clone(), receipt));
    }
    pending
}

#[tokio::test]
async fn an_account_past_its_hourly_mail_cap_waits_for_the_next_hour_and_others_do_not() {
    // GIVEN a deployment whose accounts may each send 2 mails an hour (on a table no stream
    // relay reads), three mails of one account and one of another, all pending
    let t = capped_at(2).await;
    let mut mails = Vec::new();
    let mut addresses = Vec::new();
    for (name, count) in [("capped", 3), ("other", 1)] {
        let (account, to, pending) = mails_of_a_new_account(&t, name, count).await;
        mails.extend(pending);
        addresses.push((account, to));
    }
    let hour = an_hour_with_a_minute_left().await;

    // WHEN the receipts worker takes them all at once
    let worker = t.as_worker("send_receipts");
    let (report, lines) = logged(worker.app.send_receipts(mailer(), mails)).await;
    let report = report.unwrap();

    // THEN two of the first account's and the other's are sent; the third waits, pending
    // with no attempt used, until the next hour, and nothing takes it before then
    assert_eq!(
        report,
        ReceiptReport {
            attempts: 3,
            sent: 3,
            held_back: 1
        }
    );
    let (capped, capped_to) = &addresses[0];
    assert_eq!(mail_to(capped_to, 2).await.len(), 2);
    assert_eq!(mail_to(&addresses[1].1, 1).await.len(), 1);
    let records = receipts(&t, &capped.id).await;
    let held: Vec<_> = records
        .iter()
        .filter(|record| record["status"] == AttributeValue::S("pending".into()))
        .collect();
    assert_eq!(held.len(), 1, "{records:#?}");
    assert_eq!(held[0]["attempts"], AttributeValue::N("0".into()));
    assert_eq!(
        held[0]["nextAttemptAt"],
        AttributeValue::S(hour.ends.to_string())
    );
    assert!(held[0]["error"].as_s().unwrap().contains("held back"));
    let again = worker.app.retry_due_receipts(mailer(), 200).await.unwrap();
    assert_eq!(again, ReceiptReport::default());
    assert_eq!(mail_to(capped_to, 2).await.len(), 2);
    // AND the operator's alarm counts the one mail held back, and its line names the account
    let held_back = MetricFilter::of(&template(), "MailCapReachedFilter");
    let counted: Vec<&Value> = lines.iter().filter(|line| held_back.counts(line)).collect();
    assert_eq!(counted.len(), 1, "{lines:#?}");
    assert_eq!(counted[0]["level"], "WARN");
    assert_eq!(counted[0]["account"], capped.id.as_str());
}
