//! Where an account's money moves, as `admin set-provider` sets it: a sandbox account on Stripe's
//! test keys, and an account on its own connected Stripe account (Connect). localstripe holds
//! one Stripe account and takes any key, so these tests prove the route each payment records and
//! the keys and account its pages and requests name; the `Stripe-Account` header itself is
//! checked on the built request (a unit test of `provider::stripe`).

use commet_payments::domain::account::{Account, Mode, ProviderSettings};
use commet_payments::domain::ids::{PaymentId, StripeAccountId};
use serde_json::json;

use crate::helpers::{LOCALSTRIPE_PUBLISHABLE_KEY, LOCALSTRIPE_TEST_MODE_PUBLISHABLE_KEY, TestApp};
use crate::live_page::live_link;
use crate::stripe::{charge_body, intents_of, stripe_customer};

const CONNECTED: &str = "acct_1CommetConnected01";

async fn set(t: &TestApp, account: &Account, providers: ProviderSettings) -> Account {
    t.store
        .set_providers(&account.id, |_| providers.clone())
        .await
        .unwrap()
        .expect("the account exists")
}

#[tokio::test]
async fn a_sandbox_account_set_to_stripe_pays_through_the_test_keys() {
    // GIVEN a deployment with Stripe's test keys only, and a sandbox account set to Stripe
    let t = TestApp::with_stripe_test_keys_only().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let account = set(
        &t,
        &account,
        ProviderSettings {
            sandbox_on_stripe: true,
            stripe_account: None,
        },
    )
    .await;
    assert!(account.providers.sandbox_on_stripe);

    // WHEN a customer's card saved at Stripe is charged
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;

    // THEN it is a Stripe payment, not live, with one PaymentIntent
    assert_eq!(charged.status, 200, "{}", charged.text);
    let payment = charged.data();
    assert_eq!(
        (
            &payment["provider"],
            &payment["status"],
            &payment["livemode"]
        ),
        (&json!("stripe"), &json!("succeeded"), &json!(false))
    );
    assert_eq!(intents_of(payment["id"].as_str().unwrap()).await.len(), 1);

    // AND its links are Stripe links whose page loads Stripe.js with the test publishable key
    let link = live_link(&t, &key, 900).await;
    let got = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    assert_eq!(got.data()["provider"], "stripe");
    let page = t.open_page(&link).await.page;
    assert_eq!(page.status, 200, "{}", page.text);
    let test_key = format!("data-key=\"{LOCALSTRIPE_TEST_MODE_PUBLISHABLE_KEY}\"");
    assert!(page.text.contains(&test_key), "{}", page.text);

    // AND a live account of the same deployment has no provider: no live keys here
    let (_, live_key) = t.account(Mode::Live).await;
    let refused = t
        .post("/api/v1/payments/charge", &live_key, charge_body(&customer))
        .await;
    refused.error(409, "provider_unsupported");

    // AND set back to the built-in sandbox, a fresh key of it pays through the sandbox again
    let account = set(&t, &account, ProviderSettings::default()).await;
    let fresh = t.issue_key(&account).await;
    let sandbox_link = live_link(&t, &fresh, 900).await;
    let got = t
        .get(&format!("/api/v1/payments/{sandbox_link}"), &fresh)
        .await;
    assert_eq!(got.data()["provider"], "commet");
}

#[tokio::test]
async fn a_connected_account_pays_on_its_own_stripe_account() {
    // GIVEN a live account connected to its own Stripe account
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let connected = StripeAccountId::parse(CONNECTED).unwrap();
    set(
        &t,
        &account,
        ProviderSettings {
            sandbox_on_stripe: false,
            stripe_account: Some(connected.clone()),
        },
    )
    .await;

    // WHEN it charges a saved card and makes a link
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;
    assert_eq!(charged.status, 200, "{}", charged.text);
    let charge = charged.data()["id"].as_str().unwrap().to_owned();
    let link = live_link(&t, &key, 700).await;

    // THEN both payments record the connected account, which their later steps act on
    for id in [&charge, &link] {
        let stored = t
            .store
            .get_payment(&account.id, &PaymentId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.stripe_account.as_ref(), Some(&connected), "{id}");
    }
    // AND the page's Stripe.js acts for the connected account, with the platform's key
    let page = t.open_page(&link).await.page;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(&format!("data-account=\"{CONNECTED}\"")));
    assert!(
        page.text
            .contains(&format!("data-key=\"{LOCALSTRIPE_PUBLISHABLE_KEY}\""))
    );

    // AND an account without one names none
    let (_, own_key) = t.account(Mode::Live).await;
    let own_link = live_link(&t, &own_key, 700).await;
    let own_page = t.open_page(&own_link).await.page;
    assert!(
        !own_page.text.contains("data-account="),
        "{}",
        own_page.text
    );
}
