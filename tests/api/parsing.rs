//! Property tests of every handler's parsing: arbitrary bytes, odd JSON, huge and fractional
//! numbers, duplicate keys, wrong types, oversized bodies and random query strings. Whatever
//! arrives, the answer is the envelope, never a 5xx or a panic; a validation error names a field.

use commet_payments::domain::account::Mode;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, event};

const WRITES: &[(&str, &str)] = &[
    ("POST", "/api/v1/payments"),
    ("POST", "/api/v1/payments/charge"),
    ("POST", "/api/v1/customers"),
    (
        "POST",
        "/api/v1/payments/pay_01KEVENTSPAYMENT0000000099/cancel",
    ),
    (
        "PUT",
        "/api/v1/invoices/inv_01KEVENTS1NV0CE00000000099/status",
    ),
];

const READS: &[&str] = &["/api/v1/payments", "/api/v1/customers", "/api/v1/invoices"];

const FIELDS: &[&str] = &[
    "amount",
    "currency",
    "description",
    "customerId",
    "successUrl",
    "metadata",
    "email",
    "externalId",
    "fullName",
    "address",
    "timezone",
    "status",
    "line1",
    "country",
    "extra",
];

fn check(response: &TestResponse, what: &str) {
    assert!(
        response.status < 500,
        "{what}: {} {}",
        response.status,
        response.text
    );
    if response.status >= 400 {
        assert_eq!(
            response.body["success"],
            json!(false),
            "{what}: {}",
            response.text
        );
        let error = &response.body["error"];
        assert!(
            error["code"].is_string() && error["message"].is_string(),
            "{what}"
        );
        if error["code"] == "validation_error" {
            let param = error["param"].as_str().unwrap_or_default();
            assert!(
                !param.is_empty(),
                "{what}: a validation error names the field"
            );
        }
    }
}

/// Scalar JSON values that break types and ranges: huge, negative, fractional, exotic.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        Just("1e400".to_owned()),
        Just("-0".to_owned()),
        Just("123456789012345678901234567890".to_owned()),
        Just("2500.0".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        ".{0,40}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just(format!("\"{}\"", "x".repeat(2000))),
    ]
}

/// JSON texts: objects of known and unknown fields (duplicates included), nested values, and
/// texts that are not JSON at all.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let value = scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..4).prop_map(|kv| {
                let pairs: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", pairs.join(","))
            }),
        ]
    });
    prop_oneof![
        prop::collection::vec((prop::sample::select(FIELDS), value), 0..8).prop_map(|kv| {
            let pairs: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", pairs.join(",")).into_bytes()
        }),
        prop::collection::vec(any::<u8>(), 0..256),
        Just("[".repeat(5000).into_bytes()),
        Just(format!("{{\"description\":\"{}\"}}", "y".repeat(70 * 1024)).into_bytes()),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn any_body_to_any_write_gets_an_envelope_not_a_crash(
        route in prop::sample::select(WRITES),
        bytes in body(),
        idempotency in prop::option::of("[ -~]{0,300}"),
    ) {
        let rt = runtime();
        rt.block_on(async {
            let t = TestApp::new().await;
            let (_, key) = t.account(Mode::Sandbox).await;
            let (method, path) = route;
            let mut request = event(method, path)
                .key(&key)
                .header("content-type", "application/json");
            if let Some(idempotency) = &idempotency {
                request = request.header("Idempotency-Key", idempotency);
            }
            let request = match std::str::from_utf8(&bytes) {
                Ok(text) => request.raw_body(text),
                Err(_) => request.binary_body(&bytes),
            };
            let response = t.send(request.build()).await;
            check(&response, &format!("{method} {path} with {:?}", String::from_utf8_lossy(&bytes)));
        });
    }

    #[test]
    fn any_query_string_to_any_listing_gets_an_envelope_not_a_crash(
        path in prop::sample::select(READS),
        pairs in prop::collection::vec(
            (prop_oneof![Just("limit".to_owned()), Just("cursor".to_owned()), Just("customerId".to_owned()),
                         Just("status".to_owned()), Just("externalId".to_owned()), "[a-zA-Z_]{1,12}"],
             prop_oneof![scalar(), "[ -~]{0,60}", Just("0".into()), Just("101".into())]),
            0..5),
    ) {
        let rt = runtime();
        rt.block_on(async {
            let t = TestApp::new().await;
            let (_, key) = t.account(Mode::Sandbox).await;
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .finish();
            let response = t.get(&format!("{path}?{query}"), &key).await;
            check(&response, &format!("GET {path}?{query}"));
            if response.status == 200 {
                prop_assert!(matches!(response.body["data"], Value::Array(_)));
            }
            Ok(())
        })?;
    }
}
