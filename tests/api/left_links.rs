//! Live links' attempts that were left: the reconciler (`App::settle_left_links`, which
//! `reconcile_charges` runs every minute) settles a link still `processing` once its check is
//! due (15 minutes after the attempt began), as Stripe has it. On tables of their own: the
//! checks are found by a query of the whole due index, at a time made to be that late.

use std::time::Duration;

use commet_payments::app::LinkCheckReport;
use commet_payments::domain::account::{Account, Mode};
use commet_payments::domain::delivery::later;
use commet_payments::domain::ids::PaymentId;
use commet_payments::domain::link_check::{LINK_CHECK_AFTER, LINK_CHECK_LEASE};
use commet_payments::domain::payment::{Payment, PaymentStatus};
use commet_payments::domain::time::Timestamp;
use serde_json::json;

use crate::helpers::{TestApp, assert_transactions_indexed, busy_localstripe_endpoint};
use crate::live_page::{
    authenticate_in_browser, authenticate_in_browser_at, authentication_of, live_link, pay_as_at,
    pay_with_stripe_js, submitted_asking_authentication, submitted_asking_authentication_at,
};
use crate::stripe::{intents_of, stripe_at};

/// A moment at which the checks of attempts begun until now are due.
fn checks_due() -> Timestamp {
    later(Timestamp::now(), LINK_CHECK_AFTER + Duration::from_secs(1))
}

async fn stored(t: &TestApp, account: &Account, link: &str) -> Payment {
    let id = PaymentId::parse(link).unwrap();
    t.store
        .get_payment(&account.id, &id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_payer_who_left_mid_authentication_has_the_attempt_ended_and_its_intent_canceled() {
    // GIVEN a live link whose attempt waits for 3-D Secure, the payer gone
    let t = TestApp::with_stripe(Some("left-links")).await;
    let (account, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1300).await;
    let asked = submitted_asking_authentication(&t, &link, "payer@example.com").await;
    assert!(
        asked.text.contains("Confirm with your bank"),
        "{}",
        asked.text
    );
    let (_, intent, secret) = authentication_of(&asked);

    // WHEN the reconciler runs before the check is due
    let early = t
        .worker("reconcile_charges")
        .settle_left_links(Timestamp::now(), 100)
        .await
        .unwrap();
    // THEN nothing is taken: the payer may still be authenticating
    assert_eq!(early, LinkCheckReport::default());

    // WHEN it runs once due, from a container that cannot reach Stripe
    let due = checks_due();
    let cut_off = t.another_container_without_stripe();
    let report = cut_off
        .worker("reconcile_charges")
        .settle_left_links(due, 100)
        .await
        .unwrap();
    // THEN it is not settled: the link stays processing, and the check waits out its lease
    assert_eq!((report.checked, report.unsettled), (1, 1), "{report:?}");
    assert_eq!(
        stored(&t, &account, &link).await.status,
        PaymentStatus::Processing
    );
    let leased = t
        .worker("reconcile_charges")
        .settle_left_links(due, 100)
        .await
        .unwrap();
    assert_eq!(leased, LinkCheckReport::default());

    // WHEN it runs after the lease, Stripe reachable
    let after_lease = later(due, LINK_CHECK_LEASE + Duration::from_secs(1));
    let report = t
        .worker("reconcile_charges")
        .settle_left_links(after_lease, 100)
        .await
        .unwrap();

    // THEN the attempt ended failed, as abandoned, and its PaymentIntent was canceled: the
    // client secret the browser holds pays nothing now
    assert_eq!((report.checked, report.abandoned), (1, 1), "{report:?}");
    let ended = stored(&t, &account, &link).await;
    assert_eq!(ended.status, PaymentStatus::Failed);
    assert_eq!(ended.failure.unwrap().code, "attempt_abandoned");
    let late = authenticate_in_browser(
        &format!("/v1/payment_intents/{intent}/_authenticate"),
        &secret,
        Some(true),
    )
    .await;
    assert!(late.get("error").is_some(), "{late}");
    let intents = intents_of(&link).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["status"], "canceled");
    // AND its check is gone
    let far = later(after_lease, LINK_CHECK_AFTER * 4);
    assert_eq!(
        t.worker("reconcile_charges")
            .settle_left_links(far, 100)
            .await
            .unwrap(),
        LinkCheckReport::default()
    );

    // WHEN the payer comes back with another card
    let paid = pay_with_stripe_js(&t, &link, "4242424242424242").await;
    // THEN it pays, and that attempt's check, once due, finds the link settled and asks
    // Stripe nothing
    assert_eq!(paid.status, 200, "{}", paid.text);
    let report = cut_off
        .worker("reconcile_charges")
        .settle_left_links(later(far, LINK_CHECK_AFTER), 100)
        .await
        .unwrap();
    assert_eq!((report.checked, report.unsettled), (1, 0), "{report:?}");
    assert_eq!(
        stored(&t, &account, &link).await.status,
        PaymentStatus::Succeeded
    );
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 1);
}

#[cfg(feature = "fault-injection")]
#[tokio::test]
async fn an_attempt_whose_page_died_after_stripe_charged_is_recorded_paid_by_the_reconciler() {
    // GIVEN a live link whose page died after Stripe charged (no Stripe webhook configured to
    // record it), Stripe behind a proxy
    use crate::helpers::{CountingProxy, localstripe_endpoint};

    let proxy = CountingProxy::to(localstripe_endpoint()).await;
    let t = TestApp::with_stripe_api_at(Some("left-links-paid"), &proxy.origin).await;
    let (account, key) = t.account(Mode::Live).await;
    let link =
        crate::stripe_events::crashed::link_whose_page_died(&t, &key, "gone@example.com").await;

    // WHEN the reconciler runs once its check is due
    let report = t
        .worker("reconcile_charges")
        .settle_left_links(checks_due(), 100)
        .await
        .unwrap();

    // THEN the link is paid by the PaymentIntent that succeeded, with no second charge, its
    // payer a customer with the e-mail they gave
    assert_eq!((report.checked, report.paid), (1, 1), "{report:?}");
    let paid = stored(&t, &account, &link).await;
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    let intents = intents_of(&link).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(
        paid.provider_reference.as_deref(),
        intents[0]["id"].as_str()
    );
    let payer = paid.customer_id.expect("the payer became a customer");
    let payer = t.get(&format!("/api/v1/customers/{payer}"), &key).await;
    assert_eq!(payer.data()["email"], "gone@example.com");
    let invoice = paid.invoice_id.expect("an invoice");
    let invoice = t.get(&format!("/api/v1/invoices/{invoice}"), &key).await;
    assert_eq!(invoice.data()["status"], "paid");
    // AND a run after that asks Stripe nothing more
    let requests = proxy.requests();
    let far = later(checks_due(), LINK_CHECK_AFTER * 4);
    assert_eq!(
        t.worker("reconcile_charges")
            .settle_left_links(far, 100)
            .await
            .unwrap(),
        LinkCheckReport::default()
    );
    assert_eq!(proxy.requests(), requests);
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 1);
}

/// The local stack's relay runs `reconcile_charges` as deployed: a left link it cannot settle
/// (Stripe unreachable) is the worker's ERROR line, which the walkthrough's check and the
/// deployed ERROR-line alarm both count.
#[tokio::test]
async fn a_left_link_the_local_relay_cannot_settle_is_an_error_line() {
    use commet_payments::domain::link_check::LinkCheck;
    use tracing_subscriber::layer::SubscriberExt;

    // GIVEN a live link whose attempt was left long ago, its check due, and the relay of a
    // container that cannot reach Stripe
    let t = TestApp::with_stripe(Some("left-links-relay")).await;
    let (account, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1300).await;
    t.begin_attempt_long_ago(&account.id, &link).await;
    let long_ago = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
    let check = LinkCheck::new(PaymentId::parse(&link).unwrap(), long_ago);
    t.store
        .schedule_link_check(&account.id, &check)
        .await
        .unwrap();
    let cut_off = t.another_container_without_stripe();
    let path = std::env::temp_dir().join(format!("relay-error-{}.log", ulid::Ulid::generate()));
    let file = std::fs::File::create(&path).unwrap();
    let subscriber =
        tracing_subscriber::registry().with(commet_payments::logging::json_layer(file));

    // WHEN the relay runs its scheduled workers (every 100 ms) for a while
    let text = {
        let _logging = tracing::subscriber::set_default(subscriber);
        let (ready, reading) = tokio::sync::oneshot::channel();
        let relay = tokio::spawn(commet_payments::workers::relay_stream(
            cut_off.app,
            crate::helpers::dynamodb_endpoint(),
            Duration::from_millis(100),
            Duration::from_millis(100),
            move || ready.send(()).expect("the test waits"),
        ));
        reading.await.unwrap();
        let mut text = String::new();
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            text = std::fs::read_to_string(&path).unwrap();
            if text.contains("\"ERROR\"") {
                break;
            }
        }
        relay.abort();
        text
    };
    std::fs::remove_file(&path).unwrap();

    // THEN reconcile_charges failed with an ERROR line of the worker's, and the link is as it was
    let failed: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert!(!failed.is_empty(), "{text}");
    assert!(
        failed
            .iter()
            .all(|line| line["worker"] == "reconcile_charges"),
        "{failed:?}"
    );
    assert_eq!(
        stored(&t, &account, &link).await.status,
        PaymentStatus::Processing
    );
}

/// Makes the localstripe of this test process one of an account so busy that a link's attempt
/// begun now has its PaymentIntent out of the 500 that a list of the account's PaymentIntents
/// gives first: 501 others. Made before, as localstripe lists the oldest first (Stripe, the
/// newest).
async fn crowd_busy_stripe() {
    let others = [("amount", "100"), ("currency", "usd")];
    for _ in 0..501 {
        stripe_at(
            busy_localstripe_endpoint(),
            "POST",
            "/v1/payment_intents",
            &others,
        )
        .await;
    }
}

/// Checks that the attempt on `link` recorded its PaymentIntent `left`, which is out of the
/// 500 listed first, and ages the attempt past the takeover limit.
async fn left_out_of_the_first_500(t: &TestApp, account: &Account, link: &str, left: &str) {
    let recorded = stored(t, account, link).await;
    assert_eq!(recorded.status, PaymentStatus::Processing);
    assert_eq!(recorded.open_references, [left]);
    let mut after = String::new();
    for _ in 0..5 {
        let path = format!("/v1/payment_intents?limit=100{after}");
        let page = stripe_at(busy_localstripe_endpoint(), "GET", &path, &[]).await;
        let page = page["data"].as_array().unwrap().clone();
        assert!(
            page.iter().all(|intent| intent["id"] != left),
            "{left} listed"
        );
        after = format!(
            "&starting_after={}",
            page.last().unwrap()["id"].as_str().unwrap()
        );
    }
    t.begin_attempt_long_ago(&account.id, link).await;
}

#[tokio::test]
async fn a_takeover_on_a_busy_account_cancels_the_left_attempts_intent_before_charging() {
    // GIVEN a live link whose payer left while their bank asked them to authenticate, on an
    // account so busy that a list of its PaymentIntents does not reach the attempt's
    let busy = busy_localstripe_endpoint();
    let t = TestApp::with_localstripe_at(Some("busy-takeover"), busy).await;
    let (account, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1100).await;
    crowd_busy_stripe().await;
    let asked = submitted_asking_authentication_at(busy, &t, &link, "left@example.com").await;
    let (_, left, left_secret) = authentication_of(&asked);
    left_out_of_the_first_500(&t, &account, &link, &left).await;

    // WHEN another payer takes the link over with a card that pays
    let answer = pay_as_at(busy, &t, &link, "4242424242424242", "payer@example.com").await;

    // THEN it pays, after the left attempt's PaymentIntent was canceled: the client secret the
    // first payer's browser holds pays nothing now
    assert_eq!(answer.status, 200, "{}", answer.text);
    let left_now = stripe_at(busy, "GET", &format!("/v1/payment_intents/{left}"), &[]).await;
    assert_eq!(left_now["status"], "canceled", "{left_now}");
    let late = authenticate_in_browser_at(
        busy,
        &format!("/v1/payment_intents/{left}/_authenticate"),
        &left_secret,
        Some(true),
    )
    .await;
    assert!(late.get("error").is_some(), "{late}");
    // AND the link is paid by the new PaymentIntent, the attempts' records gone with them
    let paid = stored(&t, &account, &link).await;
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert!(
        paid.open_references.is_empty(),
        "{:?}",
        paid.open_references
    );
    assert_eq!(paid.unsettled_since, None);
    let reference = paid.provider_reference.expect("the paying PaymentIntent");
    assert_ne!(reference, left);
    let intent = stripe_at(
        busy,
        "GET",
        &format!("/v1/payment_intents/{reference}"),
        &[],
    )
    .await;
    assert_eq!(
        (&intent["status"], &intent["metadata"]["commet_payment_id"]),
        (&json!("succeeded"), &json!(link))
    );
}

#[cfg(feature = "fault-injection")]
#[tokio::test]
async fn a_left_attempt_that_paid_on_a_busy_account_is_recorded_paid_by_the_reconciler() {
    use commet_payments::app::Fault;

    // GIVEN a live link whose page died after Stripe charged, on an account so busy that a
    // list of its PaymentIntents does not reach the attempt's
    let busy = busy_localstripe_endpoint();
    let t = TestApp::with_localstripe_at(Some("busy-left-paid"), busy).await;
    let (account, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1200).await;
    crowd_busy_stripe().await;
    t.app.faults.arm_charge_recording(Fault::FailWrite);
    let died = pay_as_at(busy, &t, &link, "4242424242424242", "gone@example.com").await;
    assert_eq!(died.status, 503, "{}", died.text);
    let left = stored(&t, &account, &link).await.open_references;
    assert_eq!(left.len(), 1, "{left:?}");
    left_out_of_the_first_500(&t, &account, &link, &left[0]).await;

    // WHEN the reconciler runs once its check is due
    let report = t
        .worker("reconcile_charges")
        .settle_left_links(checks_due(), 100)
        .await
        .unwrap();

    // THEN the link is paid by the PaymentIntent that succeeded, found by its record
    assert_eq!((report.checked, report.paid), (1, 1), "{report:?}");
    let paid = stored(&t, &account, &link).await;
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.provider_reference.as_deref(), Some(left[0].as_str()));
    assert!(paid.open_references.is_empty());
}

#[tokio::test]
async fn a_takeover_that_cannot_find_a_recorded_intent_at_stripe_charges_nothing() {
    use aws_sdk_dynamodb::types::AttributeValue;

    // GIVEN a live link left `processing` by an attempt whose recorded PaymentIntent Stripe
    // does not answer for
    let t = TestApp::with_stripe(Some("unfound-intent")).await;
    let (account, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1400).await;
    t.begin_attempt_long_ago(&account.id, &link).await;
    let unknown = AttributeValue::L(vec![AttributeValue::S("pi_unknown".into())]);
    t.update_payment_item(
        &account.id,
        &link,
        "SET openReferences = :unknown",
        &[],
        &[(":unknown", unknown)],
    )
    .await;

    // WHEN a payer takes the link over with a card that pays
    let answer = pay_with_stripe_js(&t, &link, "4242424242424242").await;

    // THEN nothing is charged: that PaymentIntent may have paid; the link stays `processing`
    assert_eq!(answer.status, 503, "{}", answer.text);
    assert!(intents_of(&link).await.is_empty());
    let payment = stored(&t, &account, &link).await;
    assert_eq!(payment.status, PaymentStatus::Processing);
    assert_eq!(payment.open_references, ["pi_unknown"]);
    // AND the reconciler does not conclude on it either: it is asked again later (and alarms)
    let report = t
        .worker("reconcile_charges")
        .settle_left_links(checks_due(), 100)
        .await
        .unwrap();
    assert_eq!((report.checked, report.unsettled), (1, 1), "{report:?}");
}

#[cfg(feature = "fault-injection")]
#[tokio::test]
async fn an_attempt_that_cannot_record_its_intent_cancels_it_unconfirmed() {
    use commet_payments::app::Fault;

    // GIVEN a live link whose attempt cannot record its PaymentIntent (the table unavailable)
    let t = TestApp::with_stripe(Some("unrecorded-intent")).await;
    let (account, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1500).await;
    t.app.faults.arm_intent_recording(Fault::FailWrite);

    // WHEN the payer pays
    let answer = pay_with_stripe_js(&t, &link, "4242424242424242").await;

    // THEN nothing is charged: the PaymentIntent made for the attempt is canceled unconfirmed
    assert_eq!(answer.status, 503, "{}", answer.text);
    let intents = intents_of(&link).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["status"], "canceled");
    let left = stored(&t, &account, &link).await;
    assert_eq!(left.status, PaymentStatus::Processing);
    assert!(left.open_references.is_empty());
    // AND the reconciler ends the attempt abandoned once due, and the payer may pay again
    let report = t
        .worker("reconcile_charges")
        .settle_left_links(checks_due(), 100)
        .await
        .unwrap();
    assert_eq!((report.checked, report.abandoned), (1, 1), "{report:?}");
    let paid = pay_with_stripe_js(&t, &link, "4242424242424242").await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert_eq!(
        stored(&t, &account, &link).await.status,
        PaymentStatus::Succeeded
    );
}
