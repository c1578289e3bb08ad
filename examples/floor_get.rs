//! The floor plus the one GetItem a warm `get_payment` makes, and nothing else: no auth, no
//! parsing, no mapping, no JSON. `get_payment` minus this, both under the same emulator and in
//! the same kind of process, is what our own code costs per warm request, without the noise of
//! subtracting a bare call measured in another process (scripts/bench/ prints both).
//!
//! Reads TABLE_NAME and DYNAMODB_ENDPOINT as the functions do, and BENCH_ACCOUNT and
//! BENCH_PAYMENT for the item to read.

use commet_payments::domain::ids::{AccountId, PaymentId};
use commet_payments::store::{Store, StoreSettings, keys};
use lambda_http::{Body, Error, Request, Response, run, service_fn};

use aws_sdk_dynamodb::types::AttributeValue;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let store = Store::connect(&StoreSettings {
        table_name: var("TABLE_NAME")?,
        endpoint: std::env::var("DYNAMODB_ENDPOINT").ok(),
    })
    .await;
    let account = AccountId::parse(&var("BENCH_ACCOUNT")?).map_err(|e| e.to_string())?;
    let payment = PaymentId::parse(&var("BENCH_PAYMENT")?).map_err(|e| e.to_string())?;
    let pk = AttributeValue::S(keys::payment(&account, &payment));
    let sk = AttributeValue::S(keys::PAYMENT_SK.to_owned());
    // Lives as long as the process, as the functions' App does.
    let (store, pk, sk) = &*Box::leak(Box::new((store, pk, sk)));
    run(service_fn(move |_event: Request| async move {
        let found = store
            .client()
            .get_item()
            .table_name(store.table_name())
            .key("pk", pk.clone())
            .key("sk", sk.clone())
            .consistent_read(true)
            .send()
            .await?
            .item
            .is_some();
        Ok::<_, Error>(
            Response::builder()
                .status(if found { 200 } else { 404 })
                .header("content-type", "application/json")
                .body(Body::Text("{}".to_owned()))?,
        )
    }))
    .await
}
