//! Every sample event in events/ runs through its function against DynamoDB Local, seeded with
//! the fixtures the events refer to. An event that rots fails here.

use commet_payments::domain::customer::ProviderProfile;
use commet_payments::domain::event::Subject;
use commet_payments::domain::ids::{AccountId, ReceiptId, WebhookId};
use commet_payments::domain::page::{PageLimit, PageRequest};
use commet_payments::domain::receipt::ReceiptStatus;
use commet_payments::store::stream::change_of;
use commet_payments::{fixtures, workers};
use serde_json::Value;

use crate::helpers::{TestApp, TestResponse, dispatch, request_of};

fn object_of(function: &str) -> &'static str {
    if function == "create_customer_batch" {
        "customer_batch"
    } else if function == "refund_transaction" {
        "refund"
    } else if function == "get_transaction" || function == "list_transactions" {
        "transaction"
    } else if function == "send_invoice" {
        "invoice_delivery"
    } else if function == "create_invoice_download_link" {
        "invoice_download_link"
    } else if function == "test_webhook" || function == "retry_webhook_delivery" {
        "webhook_delivery"
    } else if function == "list_webhook_deliveries" {
        "webhook_delivery_attempt"
    } else if function.contains("webhook") {
        "webhook"
    } else if function.contains("invoice") {
        "invoice"
    } else if function.contains("payment") {
        "payment"
    } else {
        "customer"
    }
}

fn expected_status(function: &str) -> u16 {
    match function {
        "not_found" => 405,
        // Signed correctly, long ago: a captured event cannot be replayed.
        "stripe_webhook" => 400,
        _ => 200,
    }
}

#[tokio::test]
async fn every_sample_event_runs_through_its_function() {
    let t = TestApp::new().await;
    fixtures::seed(&t.store).await.expect("seed fixtures");

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/events");
    let mut ran = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| p.file_stem().is_some_and(|s| s != "env"))
        .collect();
    paths.sort();
    for path in paths {
        let function = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Some(worker) = workers::by_name(&function) {
            let event: Value = serde_json::from_str(&text).unwrap();
            let answer = (worker.handle)(t.app, event)
                .await
                .unwrap_or_else(|e| panic!("{function}: {e}"));
            check_worker_answer(&t, &function, &answer).await;
            ran.push(function);
            continue;
        }
        let event = request_of(&text);
        let response = TestResponse::from(dispatch(t.app, &function, event).await);
        assert_eq!(
            response.status,
            expected_status(&function),
            "{function}: {:#}",
            response.body
        );
        assert_eq!(
            response.header("x-request-id"),
            Some("sample-event-request-id")
        );
        if function == "stripe_webhook" {
            let error = response.error(400, "validation_error");
            assert_eq!(error["param"], "Stripe-Signature");
            assert!(
                error["message"].as_str().unwrap().contains("300 seconds"),
                "{error}"
            );
        } else if function == "pay_page" {
            assert!(response.text.contains("<form"), "the page shows its form");
        } else if function == "download_invoice" {
            assert_eq!(response.header("content-type"), Some("application/pdf"));
            assert!(
                response.bytes.starts_with(b"%PDF-"),
                "the fixture invoice's PDF"
            );
            assert!(response.text.contains("(Invoice INV-000001)"));
        } else if function == "error_docs" {
            assert!(response.text.contains("id=\"validation_error\""));
        } else if response.status == 200 {
            let object = object_of(&function);
            match response.data() {
                Value::Array(items) => {
                    assert!(
                        !items.is_empty(),
                        "{function}: the fixtures make lists non-empty"
                    );
                    assert!(response.body["hasMore"].is_boolean());
                    assert!(
                        items.iter().all(|item| item["object"] == object),
                        "{function}"
                    );
                }
                data => {
                    assert_eq!(data["object"], object, "{function}");
                    assert_eq!(data["livemode"], false);
                }
            }
        }
        ran.push(function);
    }
    let mut expected: Vec<String> = commet_payments::endpoints::ALL
        .iter()
        .map(|(_, function)| function.name.to_owned())
        .chain(
            workers::ALL
                .iter()
                .map(|(_, worker)| worker.name.to_owned()),
        )
        .collect();
    expected.sort();
    ran.sort();
    assert_eq!(ran, expected, "one event per function");
}

/// The stream event pays the fixture link: its `payment_link.completed` goes to the fixture
/// endpoint (which listens nowhere), the attempt is recorded and the record is not failed.
async fn check_worker_answer(t: &TestApp, function: &str, answer: &Value) {
    match function {
        "deliver_events" => {
            assert_eq!(
                answer["batchItemFailures"],
                serde_json::json!([]),
                "{answer}"
            );
            let account = AccountId::parse(fixtures::ACCOUNT_ID).unwrap();
            let webhook = WebhookId::parse(fixtures::WEBHOOK_ID).unwrap();
            let page = PageRequest {
                limit: PageLimit::new(100).unwrap(),
                after: None,
            };
            let attempts = t
                .store
                .list_attempts(&account, &webhook, &page)
                .await
                .unwrap();
            assert!(
                attempts
                    .items
                    .iter()
                    .any(|attempt| attempt.event == "payment_link.completed"),
                "the sample stream event was delivered"
            );
        }
        "send_receipts" => {
            assert_eq!(
                answer["batchItemFailures"],
                serde_json::json!([]),
                "{answer}"
            );
            let account = AccountId::parse(fixtures::ACCOUNT_ID).unwrap();
            let id = ReceiptId::parse(fixtures::RECEIPT_ID).unwrap();
            let receipt = t.store.get_receipt(&account, &id).await.unwrap().unwrap();
            assert_eq!(
                receipt.status,
                ReceiptStatus::Sent,
                "the sample receipt was mailed"
            );
        }
        "reconcile_charges" => {
            assert!(
                answer["checked"].is_u64() && answer["recorded"].is_u64(),
                "{answer}"
            );
            assert!(answer["linksChecked"].is_u64(), "{answer}");
        }
        "sync_stripe_customers" => {
            // The fixture account takes cards through the sandbox: the change calls for a
            // Stripe update, which has nowhere to go and is not read again.
            assert_eq!(
                answer["batchItemFailures"],
                serde_json::json!([]),
                "{answer}"
            );
            let text = std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/events/sync_stripe_customers.json"
            ))
            .unwrap();
            let event: aws_lambda_events::dynamodb::Event = serde_json::from_str(&text).unwrap();
            let record = &event.records[0].change;
            let change = change_of(&record.old_image, &record.new_image)
                .unwrap()
                .expect("a customer change");
            let (Some(Subject::Customer(old)), Subject::Customer(new)) = (&change.old, &change.new)
            else {
                panic!("the sample is a customer's update");
            };
            let profile = ProviderProfile::to_sync(Some(old), new).expect("a new e-mail to tell");
            assert_eq!(profile.email.as_str(), "fixture+new@example.com");
        }
        "retry_deliveries" => {
            assert!(
                answer["attempts"].is_u64() && answer["delivered"].is_u64(),
                "{answer}"
            );
        }
        _ => panic!("{function}: no check for this worker's answer"),
    }
}

#[test]
fn the_env_vars_file_points_every_function_at_dynamodb_local() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/events/env.json")).unwrap();
    let env: Value = serde_json::from_str(&text).unwrap();
    let parameters = &env["Parameters"];
    assert!(parameters["TABLE_NAME"].is_string());
    assert!(
        parameters["DYNAMODB_ENDPOINT"]
            .as_str()
            .unwrap()
            .starts_with("http://")
    );
}
