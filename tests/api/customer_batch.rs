//! `POST /customers/batch` (Commet's `customers.createBatch`): up to 100 customers, each
//! created as `POST /customers` creates one; those refused answered by index beside the others.

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use commet_payments::domain::time::Timestamp;
use serde_json::{Value, json};

use crate::helpers::{TestApp, event};

const BATCH: &str = "/api/v1/customers/batch";

/// Every customer of the account, by the listing (up to 100).
async fn customers(t: &TestApp, key: &str) -> Vec<Value> {
    let listed = t.get("/api/v1/customers?limit=100", key).await;
    listed.data().as_array().unwrap().clone()
}

#[tokio::test]
async fn a_batch_creates_its_valid_customers_and_answers_the_others_by_index() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let taken = json!({ "email": "first@example.com", "externalId": "taken" });
    assert_eq!(t.post("/api/v1/customers", &key, taken).await.status, 200);

    // WHEN a batch holds valid customers beside an invalid one, one whose externalId another
    // customer holds, and two that share one
    let batch = json!({ "customers": [
        { "email": "ada@example.com", "externalId": "ada", "fullName": "Ada Lovelace",
          "address": { "line1": "12 St James's Square", "city": "London", "postalCode": "SW1Y 4JH", "country": "gb" },
          "metadata": { "tier": "gold" } },
        { "fullName": "No E-mail", "id": "cus_7" },
        { "email": "other@example.com", "externalId": "taken" },
        { "email": "alan@example.com" },
        { "email": "ada.again@example.com", "externalId": "ada" },
        "not an object"
    ]});
    let answer = t.post(BATCH, &key, batch.clone()).await;

    // THEN those valid are created, in order, and each refused one is named with why
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    let data = answer.data();
    assert_eq!(
        (&data["object"], &data["livemode"]),
        (&json!("customer_batch"), &json!(false))
    );
    let created = data["successful"].as_array().unwrap();
    let emails: Vec<&str> = created
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["ada@example.com", "alan@example.com"]);
    assert_eq!(created[0]["externalId"], "ada");
    assert_eq!(created[1]["externalId"], Value::Null);
    let failed = data["failed"].as_array().unwrap();
    let indexes: Vec<u64> = failed
        .iter()
        .map(|f| f["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 2, 4, 5]);
    let error = |n: usize| failed[n]["error"].as_str().unwrap();
    assert!(
        error(0).contains("`customers[1].email` is required"),
        "{}",
        error(0)
    );
    assert!(
        error(0).contains("`customers[1].id` must not start with `cus_`"),
        "{}",
        error(0)
    );
    assert!(
        error(1).contains("`customers[2].externalId`"),
        "{}",
        error(1)
    );
    assert!(
        error(2).contains("`customers[4].externalId`"),
        "{}",
        error(2)
    );
    assert!(
        error(3).contains("`customers[5]` must be an object"),
        "{}",
        error(3)
    );
    // What was sent comes back with it.
    assert_eq!(failed[0]["data"], batch["customers"][1]);
    assert_eq!(failed[3]["data"], "not an object");

    // AND the customers created are the same as a create makes
    let ada = t
        .get(
            &format!("/api/v1/customers/{}", created[0]["id"].as_str().unwrap()),
            &key,
        )
        .await;
    assert_eq!(ada.data()["fullName"], "Ada Lovelace");
    assert_eq!(ada.data()["address"]["country"], "GB");
    assert_eq!(ada.data()["metadata"]["tier"], "gold");
    assert_eq!(
        t.get("/api/v1/customers/ada", &key).await.data()["email"],
        "ada@example.com"
    );
    assert_eq!(customers(&t, &key).await.len(), 3);
}

#[tokio::test]
async fn a_batch_itself_invalid_creates_nothing_and_names_the_field() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let one = json!({ "email": "a@example.com" });
    let too_many: Vec<Value> = (0..101).map(|_| one.clone()).collect();
    for (body, message) in [
        (json!({}), "is required"),
        (json!({ "customers": [] }), "must hold 1 to 100 customers"),
        (
            json!({ "customers": too_many }),
            "must hold 1 to 100 customers",
        ),
        (json!({ "customers": one }), "must be a list of customers"),
        (
            json!({ "customers": [one], "extra": 1 }),
            "not a known field",
        ),
    ] {
        let answer = t.post(BATCH, &key, body.clone()).await;
        let error = answer.error(400, "validation_error");
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{body}: {error}"
        );
    }
    assert!(customers(&t, &key).await.is_empty());
}

#[tokio::test]
async fn a_batch_customer_named_by_its_own_id_is_made_once_and_answered_after() {
    // GIVEN a customer who holds `user-7`
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let held = json!({ "email": "first@example.com", "id": "user-7" });
    let first = t.create("/api/v1/customers", &key, held).await;

    // WHEN a batch names that id, and twice a new one
    let batch = json!({ "customers": [
        { "email": "again@example.com", "id": "user-7" },
        { "email": "new@example.com", "id": "user-8" },
        { "email": "new.again@example.com", "id": "user-8" },
        { "email": "clash@example.com", "id": "user-9", "externalId": "other" }
    ]});
    let answer = t.post(BATCH, &key, batch).await;

    // THEN the held id answers its customer as it is, the new one is made once and answered
    // for both, and an `externalId` that differs from `id` is refused by `id`
    let data = answer.data();
    let made = data["successful"].as_array().unwrap();
    let ids: Vec<&str> = made.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], first);
    assert_eq!(made[0]["email"], "first@example.com");
    assert_eq!(ids[1], ids[2]);
    assert_eq!(made[2]["email"], "new@example.com");
    assert_eq!(made[1]["externalId"], "user-8");
    let failed = data["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    let error = failed[0]["error"].as_str().unwrap();
    assert!(error.starts_with("`customers[3].id` "), "{error}");
    assert_eq!(customers(&t, &key).await.len(), 2);
}

#[tokio::test]
async fn a_batch_run_again_under_its_key_creates_no_customer_twice() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let batch = json!({ "customers": [
        { "email": "ada@example.com", "externalId": "ada" },
        { "email": "alan@example.com" }
    ]});
    let send = || {
        t.send(
            event("POST", BATCH)
                .key(&key)
                .header("Idempotency-Key", "import-1")
                .json(batch.clone())
                .build(),
        )
    };
    let first = send().await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    // A repeat is the first answer.
    assert_eq!(send().await.text, first.text);

    // WHEN the first run's answer was never kept (its invocation died after the writes) and
    // its lock ran out, so that the batch runs again under the key
    let past = Timestamp::now().datetime().unix_timestamp() - 1;
    t.update_idempotency_record(
        &account.id,
        "import-1",
        "SET #state = :running, lockedUntil = :past REMOVE responseStatus, responseBody",
        &[("#state", "state")],
        &[
            (":running", AttributeValue::S("in_progress".into())),
            (":past", AttributeValue::N(past.to_string())),
        ],
    )
    .await;
    let again = send().await;

    // THEN it answers the same customers, and made none twice
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(again.data()["successful"], first.data()["successful"]);
    assert_eq!(again.data()["failed"], json!([]));
    assert_eq!(customers(&t, &key).await.len(), 2);
}

#[tokio::test]
async fn each_version_answers_the_batch_in_its_own_shape() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for (version, enveloped) in [("2026-06-10", true), ("2026-08-27", false)] {
        let answer = t
            .send(
                event("POST", BATCH)
                    .key(&key)
                    .header("Commet-Version", version)
                    .json(json!({ "customers": [{ "email": "v@example.com" }] }))
                    .build(),
            )
            .await;
        assert_eq!(answer.status, 200, "{:#}", answer.body);
        assert_eq!(answer.body.get("success").is_some(), enveloped, "{version}");
        assert_eq!(answer.data()["successful"][0]["email"], "v@example.com");
    }
}
