//! The fixed objects that the sample events in `events/` refer to.
//!
//! `admin seed-fixtures` writes them (for `sam local invoke -e events/…` against a DynamoDB
//! Local), and the test suite writes them before it runs every event through its function.
//! Seeding is repeatable: it overwrites the same items, and resets the links to `pending`.

use crate::domain::Invalid;
use crate::domain::account::{Account, ApiKey, ApiKeySecret, Mode, ProviderSettings};
use crate::domain::card::PaymentMethod;
use crate::domain::customer::{Customer, NewCustomer};
use crate::domain::delivery::{AttemptResult, Delivery};
use crate::domain::download::{DownloadLink, DownloadToken};
use crate::domain::ids::{
    AccountId, CustomerId, DeliveryId, EventId, InvoiceId, PaymentId, ReceiptId, WebhookId,
};
use crate::domain::invoice::{Invoice, InvoiceNumber, InvoiceStatus};
use crate::domain::money::{Currency, PaymentAmount};
use crate::domain::payment::{NewLink, Payment, PaymentStatus, Route};
use crate::domain::text::{Description, Email, ExternalId, FullName};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::domain::webhook::{EventSelection, WebhookEndpoint, WebhookSecret, WebhookUrl};
use crate::store::{Store, StoreError};

pub const ACCOUNT_ID: &str = "acct_01KEVENTSACCT0000000000000";
/// A sandbox key that exists only where fixtures were seeded. Never seed fixtures in a real
/// account: this key is public.
pub const API_KEY: &str = "ck_test_fixture_key_for_sample_events_only";
/// A customer that the payment and customer events read, and `events/update_customer.json`
/// renames (seeding puts it back).
pub const CUSTOMER_ID: &str = "cus_01KEVENTSCVST0MER000000000";
pub const CUSTOMER_EXTERNAL_ID: &str = "fixture-customer-1";
/// A pending link that `events/get_payment.json` reads.
pub const PAYMENT_ID: &str = "pay_01KEVENTSPAYMENT0000000001";
/// A pending link that `events/cancel_payment.json` cancels.
pub const CANCELABLE_PAYMENT_ID: &str = "pay_01KEVENTSPAYMENT0000000002";
/// A paid (sandbox) link whose transaction `events/get_transaction.json` reads and
/// `events/refund_transaction.json` refunds.
pub const REFUNDABLE_PAYMENT_ID: &str = "pay_01KEVENTSPAYMENT0000000003";
/// A paid invoice that `events/get_invoice.json` reads.
pub const INVOICE_ID: &str = "inv_01KEVENTS1NV0CE00000000001";
/// A webhook endpoint that `events/get_webhook.json` reads and `events/update_webhook.json` changes.
pub const WEBHOOK_ID: &str = "whk_01KEVENTSWEBH00K0000000001";
/// A webhook endpoint that `events/delete_webhook.json` deletes.
pub const DELETABLE_WEBHOOK_ID: &str = "whk_01KEVENTSWEBH00K0000000002";
/// A failed delivery to `WEBHOOK_ID` that `events/list_webhook_deliveries.json` lists and
/// `events/retry_webhook_delivery.json` tries again.
pub const DELIVERY_ID: &str = "whdl_01KEVENTSDE1VERY0000000001";
/// A pending receipt of the paid fixture invoice that `events/send_receipts.json` sends.
pub const RECEIPT_ID: &str = "rcpt_01KEVENTSRECE1PT0000000001";
/// When the fixture receipt was written: fixed, because the sample stream event carries it.
pub const RECEIPT_AT: &str = "2026-11-26T10:16:01.000Z";
/// The token of a download link of the paid fixture invoice, which `events/download_invoice.json`
/// fetches (43 URL-safe characters, as generated ones have).
pub const DOWNLOAD_TOKEN: &str = "fixtureDownloadTokenForSampleEventsOnly0000";
/// An outstanding invoice that `events/update_invoice_status.json` marks paid.
pub const OUTSTANDING_INVOICE_ID: &str = "inv_01KEVENTS1NV0CE00000000002";

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("fixture value rejected: {0}")]
    Invalid(#[from] Invalid),
}

pub async fn seed(store: &Store) -> Result<(), FixtureError> {
    let now = Timestamp::now();
    let account = Account {
        id: AccountId::parse(ACCOUNT_ID)?,
        name: "Sample events".into(),
        mode: Mode::Sandbox,
        api_version: Some(ApiVersion::CURRENT),
        providers: ProviderSettings::default(),
        mail_cap: None,
        created_at: now,
    };
    let mut key = ApiKey::issue(&account, &ApiKeySecret::from_text(API_KEY), now);
    key.id = crate::domain::ids::ApiKeyId::parse("key_01KEVENTSKEY00000000000000")?;
    store.put_account_fixture(&account, &key).await?;

    let mut customer = Customer::create(
        NewCustomer {
            email: Email::parse("fixture@example.com")?,
            external_id: Some(ExternalId::parse(CUSTOMER_EXTERNAL_ID)?),
            full_name: Some(FullName::parse("Fixture Customer")?),
            tax_document: None,
            address: None,
            timezone: None,
            metadata: None,
        },
        now,
        false,
    );
    customer.id = CustomerId::parse(CUSTOMER_ID)?;
    // A vaulted sandbox card that charges succeed on, for `events/charge_payment.json`.
    customer.payment_method = Some(PaymentMethod {
        token: "pm_sbx_ok_fixture".into(),
        brand: "visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2034,
        provider_customer: None,
    });
    store.put_customer_fixture(&account.id, &customer).await?;

    for id in [WEBHOOK_ID, DELETABLE_WEBHOOK_ID] {
        let webhook = WebhookEndpoint {
            id: WebhookId::parse(id)?,
            // Nothing listens on the discard port: a test delivery fails at once, offline too.
            url: WebhookUrl::parse("http://127.0.0.1:9/hooks/commet", false)?,
            events: EventSelection::parse(["payment_link.completed"])?,
            description: Some("Sample events".into()),
            is_active: true,
            api_version: None,
            secret: WebhookSecret::from_stored(
                "whsec_fixture_secret_for_sample_events_only".into(),
            ),
            created_at: now,
            updated_at: now,
            livemode: false,
        };
        store.put_webhook_fixture(&account.id, &webhook).await?;
    }
    let mut delivery = Delivery::open(
        WebhookId::parse(WEBHOOK_ID)?,
        EventId::parse("whev_01KEVENTSEVENT000000000001")?,
        "webhook.test",
        "{}".into(),
        now,
        false,
    );
    delivery.id = DeliveryId::parse(DELIVERY_ID)?;
    let refused = AttemptResult {
        status_code: None,
        duration: std::time::Duration::from_millis(1),
        error: Some("could not connect: connection refused".into()),
    };
    let (failed, attempt) = delivery.attempted(refused, now, None);
    store
        .put_delivery_fixture(&account.id, &failed, &attempt)
        .await?;

    for id in [PAYMENT_ID, CANCELABLE_PAYMENT_ID, REFUNDABLE_PAYMENT_ID] {
        let mut payment = Payment::new_link(
            NewLink {
                amount: PaymentAmount::new(2500)?,
                currency: Currency::parse("usd")?,
                description: Description::parse("Sample event link")?,
                customer: None,
                success_url: None,
                metadata: None,
            },
            Some(customer.id.clone()),
            0,
            Route::sandbox(),
            "http://127.0.0.1:9000",
            now,
        );
        payment.id = PaymentId::parse(id)?;
        payment.url = Some(format!("http://127.0.0.1:9000/pay/{id}"));
        if id == REFUNDABLE_PAYMENT_ID {
            payment.status = PaymentStatus::Succeeded;
        }
        store.put_payment_fixture(&account.id, &payment).await?;
        if id == PAYMENT_ID {
            for (number, invoice_id, status) in [
                (1, INVOICE_ID, InvoiceStatus::Paid),
                (2, OUTSTANDING_INVOICE_ID, InvoiceStatus::Outstanding),
            ] {
                let mut invoice = Invoice::for_payment(&payment, customer.id.clone(), status, now);
                invoice.id = InvoiceId::parse(invoice_id)?;
                invoice.number = InvoiceNumber::new(number)?;
                store.put_invoice_fixture(&account.id, &invoice).await?;
                if status == InvoiceStatus::Paid {
                    let token = DownloadToken::parse(DOWNLOAD_TOKEN)
                        .ok_or_else(|| StoreError::Internal("the fixture token".into()))?;
                    let link =
                        DownloadLink::new(invoice.id.clone(), invoice.customer_id.clone(), now);
                    store
                        .put_download_link_fixture(&account.id, &token, &link, now)
                        .await?;
                    store
                        .put_receipt_fixture(
                            &account.id,
                            &ReceiptId::parse(RECEIPT_ID)?,
                            &invoice,
                            "fixture@example.com",
                            Timestamp::parse(RECEIPT_AT)?,
                        )
                        .await?;
                }
            }
        }
    }
    Ok(())
}
