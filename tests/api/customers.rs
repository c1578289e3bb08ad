use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, event, set_rates};

#[tokio::test]
async fn create_and_get_by_id_or_external_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({
        "email": "ada@example.com",
        "externalId": "ada@example.com",
        "fullName": "Ada Lovelace",
        "timezone": "Europe/London",
        "address": { "line1": "12 St James's Square", "city": "London", "postalCode": "SW1Y 4JH", "country": "gb" },
        "metadata": { "tier": "gold" }
    });
    let created = t.post("/api/v1/customers", &key, body).await;
    assert_eq!(created.status, 200, "{:#}", created.body);
    let customer = created.data().clone();
    let id = customer["id"].as_str().unwrap();
    assert!(id.starts_with("cus_"));
    assert_eq!(customer["externalId"], "ada@example.com");
    assert_eq!(customer["fullName"], "Ada Lovelace");
    assert_eq!(customer["address"]["country"], "GB");
    assert_eq!(customer["address"]["line2"], Value::Null);
    assert_eq!(customer["taxDocument"], Value::Null);
    assert_eq!(customer["documentType"], Value::Null);
    assert_eq!(customer["object"], "customer");
    assert_eq!(customer["livemode"], false);

    for reference in [id, "ada@example.com", "ada%40example.com"] {
        let fetched = t.get(&format!("/api/v1/customers/{reference}"), &key).await;
        assert_eq!(fetched.data(), &customer, "by {reference}");
    }
}

#[tokio::test]
async fn duplicate_external_id_is_409_and_names_the_field() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({ "email": "a@example.com", "externalId": "dup-1" });
    assert_eq!(
        t.post("/api/v1/customers", &key, body.clone()).await.status,
        200
    );
    let second = t.post("/api/v1/customers", &key, body).await;
    assert_eq!(second.error(409, "duplicate")["param"], "externalId");
    let listed = t.get("/api/v1/customers", &key).await;
    assert_eq!(
        listed.data().as_array().unwrap().len(),
        1,
        "the loser wrote nothing"
    );
}

#[tokio::test]
async fn a_create_by_its_own_id_makes_the_customer_once_and_answers_it_again() {
    // GIVEN a customer created by its own `id`, as Commet's SDKs may send it
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let first = json!({ "email": "own@example.com", "id": "user-7", "fullName": "Ada" });
    let created = t.post("/api/v1/customers", &key, first).await;
    let customer = created.data().clone();
    assert!(customer["id"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(customer["externalId"], "user-7");
    assert_eq!(
        t.get("/api/v1/customers/user-7", &key).await.data(),
        &customer
    );

    // WHEN it is created again by that id, with other details, alone or racing
    let again = json!({ "email": "other@example.com", "id": "user-7" });
    let answers = futures_util::future::join_all(
        (0..6).map(|_| t.post("/api/v1/customers", &key, again.clone())),
    )
    .await;

    // THEN each answer is the customer as first made, and nothing more was written
    for answer in &answers {
        assert_eq!(answer.data(), &customer);
    }
    let listed = t.get("/api/v1/customers", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), 1);

    // AND creates racing for a new id make one customer, whom every one of them answers
    let racing = json!({ "email": "racer@example.com", "id": "user-8" });
    let answers = futures_util::future::join_all(
        (0..6).map(|_| t.post("/api/v1/customers", &key, racing.clone())),
    )
    .await;
    let ids: Vec<&Value> = answers.iter().map(|a| &a.data()["id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let listed = t.get("/api/v1/customers", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), 2);

    // AND an `externalId` alone still may not take a held one; `id` and `externalId` name
    // one thing, so two different values are refused, by `id`
    let taken = json!({ "email": "x@example.com", "externalId": "user-7" });
    let refused = t.post("/api/v1/customers", &key, taken).await;
    assert_eq!(refused.error(409, "duplicate")["param"], "externalId");
    let both = json!({ "email": "x@example.com", "id": "user-9", "externalId": "user-10" });
    let refused = t.post("/api/v1/customers", &key, both).await;
    assert_eq!(refused.invalid_fields(), ["id"]);
    let same = json!({ "email": "x@example.com", "id": "user-9", "externalId": "user-9" });
    let made = t.post("/api/v1/customers", &key, same).await;
    assert_eq!(made.data()["externalId"], "user-9");
    let bad = json!({ "email": "x@example.com", "id": "cus_01KEVENTSCVST0MER000000099" });
    let refused = t.post("/api/v1/customers", &key, bad).await;
    assert_eq!(refused.invalid_fields(), ["id"]);
}

#[tokio::test]
async fn a_tax_document_is_kept_as_written_changed_and_cleared() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({ "email": "vat@example.com", "taxDocument": " GB 123 4567 89 " });
    let id = t.create("/api/v1/customers", &key, body).await;
    let customer = t.get(&format!("/api/v1/customers/{id}"), &key).await;
    assert_eq!(customer.data()["taxDocument"], "GB 123 4567 89");
    assert_eq!(customer.data()["documentType"], Value::Null);

    let changed = update(
        &t,
        &key,
        "PATCH",
        &id,
        json!({ "taxDocument": "20-12345678-9" }),
    )
    .await;
    assert_eq!(changed.data()["taxDocument"], "20-12345678-9");
    let renamed = update(&t, &key, "PATCH", &id, json!({ "fullName": "Vat Payer" })).await;
    assert_eq!(
        renamed.data()["taxDocument"],
        "20-12345678-9",
        "kept when not given"
    );
    let cleared = update(&t, &key, "PATCH", &id, json!({ "taxDocument": null })).await;
    assert_eq!(cleared.data()["taxDocument"], Value::Null);
    let fetched = t.get(&format!("/api/v1/customers/{id}"), &key).await;
    assert_eq!(fetched.data(), cleared.data());

    let bad = json!({ "email": "vat@example.com", "taxDocument": "DE<123>" });
    let refused = t.post("/api/v1/customers", &key, bad).await;
    assert_eq!(refused.invalid_fields(), ["taxDocument"]);
}

#[tokio::test]
async fn a_time_zone_is_one_the_database_knows_kept_in_its_spelling() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let body = json!({ "email": "tz@example.com", "timezone": "america/argentina/buenos_aires" });
    let id = t.create("/api/v1/customers", &key, body).await;
    let path = format!("/api/v1/customers/{id}");
    let customer = t.get(&path, &key).await;
    assert_eq!(
        customer.data()["timezone"],
        "America/Argentina/Buenos_Aires"
    );

    // GIVEN names no release of the database has: refused by name, nothing written
    let refused = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "email": "mars@example.com", "timezone": "Mars/Base" }),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["timezone"]);
    for unknown in ["Mars/Base", "Europe/Madri", "GMT+3"] {
        let refused = update(&t, &key, "PATCH", &id, json!({ "timezone": unknown })).await;
        assert_eq!(refused.invalid_fields(), ["timezone"], "{unknown}");
    }
    assert_eq!(t.get(&path, &key).await.data(), customer.data());

    // A link of the database moves the customer's zone; null clears it.
    let moved = update(&t, &key, "PATCH", &id, json!({ "timezone": "US/Eastern" })).await;
    assert_eq!(moved.data()["timezone"], "US/Eastern");
    let cleared = update(&t, &key, "PATCH", &id, json!({ "timezone": null })).await;
    assert_eq!(cleared.data()["timezone"], Value::Null);

    // A name stored before (a later release may drop it) is still read and shown as stored.
    t.update_customer_item(
        &account.id,
        &id,
        "SET #zone = :zone",
        &[("#zone", "timezone")],
        &[(":zone", AttributeValue::S("Pacific/Gone".into()))],
    )
    .await;
    assert_eq!(t.get(&path, &key).await.data()["timezone"], "Pacific/Gone");
}

#[tokio::test]
async fn create_reports_all_problems_including_nested_ones() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({
        "email": "not-an-email",
        "externalId": "cus_sneaky",
        "address": { "country": "XX", "planet": "Mars" },
        "timezone": 5,
        "nickname": "x"
    });
    let response = t.post("/api/v1/customers", &key, body).await;
    let fields = response.invalid_fields();
    assert_eq!(
        fields,
        [
            "email",
            "externalId",
            "address.country",
            "address.planet",
            "timezone",
            "nickname"
        ]
    );
}

#[tokio::test]
async fn unknown_customers_are_404() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for reference in [
        "cus_01KEVENTSCVST0MER000000099",
        "nobody",
        "cus_malformed",
        "a%2Fb",
    ] {
        let response = t.get(&format!("/api/v1/customers/{reference}"), &key).await;
        response.error(404, "customer_not_found");
    }
}

#[tokio::test]
async fn list_pages_and_filters_by_external_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let body =
            json!({ "email": format!("c{n}@example.com"), "externalId": format!("ext-{n}") });
        ids.push(t.post("/api/v1/customers", &key, body).await.data()["id"].clone());
    }
    ids.reverse();

    let first = t.get("/api/v1/customers?limit=2", &key).await;
    assert_eq!(first.body["hasMore"], true);
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = t
        .get(&format!("/api/v1/customers?limit=2&cursor={cursor}"), &key)
        .await;
    assert_eq!(second.body["hasMore"], false);
    let seen: Vec<Value> = first
        .data()
        .as_array()
        .unwrap()
        .iter()
        .chain(second.data().as_array().unwrap())
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(seen, ids);

    let filtered = t.get("/api/v1/customers?externalId=ext-1", &key).await;
    let found = filtered.data().as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["externalId"], "ext-1");
    assert_eq!(filtered.body["hasMore"], false);
    let none = t.get("/api/v1/customers?externalId=ext-99", &key).await;
    assert_eq!(none.data(), &json!([]));
}

async fn update(
    t: &TestApp,
    key: &str,
    method: &str,
    reference: &str,
    body: Value,
) -> TestResponse {
    t.send(
        event(method, &format!("/api/v1/customers/{reference}"))
            .key(key)
            .json(body)
            .build(),
    )
    .await
}

#[tokio::test]
async fn an_update_changes_only_the_fields_given_by_id_or_external_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let created = t
        .post(
            "/api/v1/customers",
            &key,
            json!({
                "email": "grace@example.com",
                "externalId": "user-7",
                "fullName": "Grace Hopper",
                "timezone": "America/New_York",
                "metadata": { "tier": "gold", "team": "navy" }
            }),
        )
        .await;
    let before = created.data().clone();
    let id = before["id"].as_str().unwrap();

    // PATCH by id: a new e-mail and address, the name cleared, metadata replaced whole.
    let patched = update(
        &t,
        &key,
        "PATCH",
        id,
        json!({
            "email": "g.hopper@example.org",
            "fullName": null,
            "address": { "line1": "1 Navy Way", "city": "Arlington", "state": "VA", "postalCode": "22201", "country": "us" },
            "metadata": { "tier": "platinum" }
        }),
    )
    .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);
    let after = patched.data().clone();
    assert_eq!(after["email"], "g.hopper@example.org");
    assert_eq!(after["fullName"], Value::Null);
    assert_eq!(after["address"]["country"], "US");
    assert_eq!(after["address"]["state"], "VA");
    assert_eq!(after["metadata"], json!({ "tier": "platinum" }));
    assert_eq!(after["externalId"], "user-7");
    assert_eq!(after["timezone"], "America/New_York");
    assert_eq!(after["createdAt"], before["createdAt"]);
    assert_ne!(after["updatedAt"], before["updatedAt"]);
    assert_eq!(
        t.get(&format!("/api/v1/customers/{id}"), &key).await.data(),
        &after
    );

    // PUT by externalId, as versions up to 2026-07-11 send it: the address and time zone cleared.
    let put = update(
        &t,
        &key,
        "PUT",
        "user-7",
        json!({ "address": null, "timezone": null, "fullName": "Amazing Grace" }),
    )
    .await;
    assert_eq!(put.status, 200, "{:#}", put.body);
    assert_eq!(put.data()["address"], Value::Null);
    assert_eq!(put.data()["timezone"], Value::Null);
    assert_eq!(put.data()["fullName"], "Amazing Grace");
    assert_eq!(put.data()["email"], "g.hopper@example.org");

    // Nothing given: the customer as it is, unchanged.
    let same = update(&t, &key, "PATCH", id, json!({})).await;
    assert_eq!(same.data(), put.data());
}

#[tokio::test]
async fn an_update_that_gives_what_the_customer_has_writes_nothing() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let profile = json!({
        "email": "ada@example.com",
        "externalId": "ada-1",
        "fullName": "Ada Lovelace",
        "address": { "line1": "12 St James's Sq", "city": "London", "postalCode": "SW1Y 4JH", "country": "gb" },
        "timezone": "Europe/London",
        "metadata": { "tier": "gold", "team": "engines", "seats": 5, "beta": true, "ratio": 0.25,
                      "note": null }
    });
    let created = t.post("/api/v1/customers", &key, profile.clone()).await;
    assert_eq!(created.status, 200, "{:#}", created.body);
    let created = created.data().clone();
    let id = created["id"].as_str().unwrap();
    // Any write sets updatedAt to its own time: a later one shows.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    // WHEN every field is given as it is (the country as sent, metadata in another order), by
    // id (one conditional write, refused), or by externalId with it in the body (the read
    // first), or an unset field cleared again
    let mut reordered = profile.clone();
    reordered["metadata"] = json!({ "note": null, "ratio": 0.25, "beta": true, "seats": 5, "team": "engines", "tier": "gold" });
    let by_id = update(&t, &key, "PATCH", id, reordered).await;
    let by_reference = update(&t, &key, "PUT", "ada-1", profile.clone()).await;
    let by_id_partly = update(
        &t,
        &key,
        "PATCH",
        id,
        json!({ "email": "ada@example.com", "metadata": profile["metadata"] }),
    )
    .await;
    // THEN each answers the customer as it was: nothing written (updatedAt has not moved)
    for answer in [&by_id, &by_reference, &by_id_partly] {
        assert_eq!(answer.status, 200, "{:#}", answer.body);
        assert_eq!(answer.data(), &created);
    }
    assert_eq!(
        t.get(&format!("/api/v1/customers/{id}"), &key).await.data(),
        &created
    );

    // WHEN the time zone is cleared, then cleared again
    let cleared = update(&t, &key, "PATCH", id, json!({ "timezone": null })).await;
    assert_ne!(cleared.data()["updatedAt"], created["updatedAt"]);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = update(&t, &key, "PATCH", "ada-1", json!({ "timezone": null })).await;
    // THEN the second writes nothing
    assert_eq!(again.data(), cleared.data());

    // WHEN one field given is the same and another differs, or an address changes by one line
    let mixed = update(
        &t,
        &key,
        "PATCH",
        id,
        json!({ "email": "ada@example.com", "fullName": "Augusta Ada King" }),
    )
    .await;
    assert_eq!(mixed.data()["fullName"], "Augusta Ada King");
    assert_ne!(mixed.data()["updatedAt"], cleared.data()["updatedAt"]);
    let mut moved = profile["address"].clone();
    moved["line1"] = json!("13 St James's Sq");
    let moved = update(&t, &key, "PATCH", id, json!({ "address": moved })).await;
    // THEN it is written
    assert_eq!(moved.data()["address"]["line1"], "13 St James's Sq");
    assert_ne!(moved.data()["updatedAt"], mixed.data()["updatedAt"]);
    // AND so is metadata whose one number changes, and it reads back as sent
    let mut recounted = profile["metadata"].clone();
    recounted["seats"] = json!(6);
    let recounted = update(&t, &key, "PATCH", id, json!({ "metadata": recounted })).await;
    assert_eq!(recounted.data()["metadata"]["seats"], 6);
    assert_ne!(recounted.data()["updatedAt"], moved.data()["updatedAt"]);
    let read = t.get(&format!("/api/v1/customers/{id}"), &key).await;
    assert_eq!(read.data(), recounted.data());
    let listed = t.get("/api/v1/customers", &key).await;
    assert_eq!(&listed.data()[0], recounted.data());
}

#[tokio::test]
async fn an_external_id_moves_with_its_claim_and_a_taken_one_is_409_with_nothing_written() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let mover = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "m@example.com", "externalId": "old-ref" }),
        )
        .await;
    let holder = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "h@example.com", "externalId": "held-ref" }),
        )
        .await;

    let moved = update(
        &t,
        &key,
        "PATCH",
        &mover,
        json!({ "externalId": "new-ref" }),
    )
    .await;
    assert_eq!(moved.status, 200, "{:#}", moved.body);
    assert_eq!(moved.data()["externalId"], "new-ref");
    t.get("/api/v1/customers/old-ref", &key)
        .await
        .error(404, "customer_not_found");
    assert_eq!(
        t.get("/api/v1/customers/new-ref", &key).await.data()["id"],
        mover.as_str()
    );
    let listed = t.get("/api/v1/customers?externalId=new-ref", &key).await;
    assert_eq!(listed.data()[0]["id"], mover.as_str());
    // The old one is free again.
    let reuser = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "email": "r@example.com", "externalId": "old-ref" }),
        )
        .await;
    assert_eq!(reuser.status, 200, "{:#}", reuser.body);

    // Taken by another customer: 409 naming the field, and neither customer changed.
    let taken = update(
        &t,
        &key,
        "PATCH",
        "new-ref",
        json!({ "externalId": "held-ref", "fullName": "Should Not Stick" }),
    )
    .await;
    assert_eq!(taken.error(409, "duplicate")["param"], "externalId");
    let unchanged = t.get(&format!("/api/v1/customers/{mover}"), &key).await;
    assert_eq!(unchanged.data(), moved.data());
    assert_eq!(
        t.get("/api/v1/customers/held-ref", &key).await.data()["id"],
        holder.as_str()
    );

    // Cleared: the customer keeps no external id, and the id is free.
    let cleared = update(&t, &key, "PATCH", &mover, json!({ "externalId": null })).await;
    assert_eq!(cleared.data()["externalId"], Value::Null);
    t.get("/api/v1/customers/new-ref", &key)
        .await
        .error(404, "customer_not_found");
    t.create(
        "/api/v1/customers",
        &key,
        json!({ "email": "n@example.com", "externalId": "new-ref" }),
    )
    .await;
}

#[tokio::test]
async fn racing_updates_leave_one_owner_per_external_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let mut customers = Vec::new();
    for n in 0..4 {
        customers.push(
            t.create(
                "/api/v1/customers",
                &key,
                json!({ "email": format!("race{n}@example.com") }),
            )
            .await,
        );
    }
    // Four customers race for one external id; then one customer races between four.
    let claims = customers
        .iter()
        .map(|id| update(&t, &key, "PATCH", id, json!({ "externalId": "contested" })));
    let answers = futures_util::future::join_all(claims).await;
    let winners: Vec<&String> = customers
        .iter()
        .zip(&answers)
        .filter(|(_, answer)| answer.status == 200)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for answer in answers.iter().filter(|a| a.status != 200) {
        // Taken; or, overtaken three times running, try again later.
        if answer.status != 503 {
            answer.error(409, "duplicate");
        }
    }
    let owner = t.get("/api/v1/customers/contested", &key).await;
    assert_eq!(owner.data()["id"], winners[0].as_str());

    let runner = &customers[0];
    let moves = (0..4).map(|n| {
        update(
            &t,
            &key,
            "PATCH",
            runner,
            json!({ "externalId": format!("lane-{n}") }),
        )
    });
    let answers = futures_util::future::join_all(moves).await;
    assert!(answers.iter().all(|a| a.status == 200 || a.status == 503));
    let now = t.get(&format!("/api/v1/customers/{runner}"), &key).await;
    let kept = now.data()["externalId"].as_str().unwrap().to_owned();
    for n in 0..4 {
        let lane = format!("lane-{n}");
        let found = t.get(&format!("/api/v1/customers/{lane}"), &key).await;
        if lane == kept {
            assert_eq!(found.data()["id"], runner.as_str());
        } else {
            found.error(404, "customer_not_found");
        }
    }
}

#[tokio::test]
async fn update_names_every_bad_field_and_unknown_customers_are_404() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let id = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "v@example.com" }),
        )
        .await;
    let response = update(
        &t,
        &key,
        "PATCH",
        &id,
        json!({
            "email": null,
            "externalId": "cus_sneaky",
            "address": { "city": "Nowhere" },
            "timezone": 5,
            "metadata": { "n": [1] },
            "taxDocument": "20_12345678#9"
        }),
    )
    .await;
    let fields = response.invalid_fields();
    assert_eq!(
        fields,
        [
            "email",
            "externalId",
            "taxDocument",
            "address.country",
            "timezone",
            "metadata"
        ]
    );
    assert_eq!(
        t.get(&format!("/api/v1/customers/{id}"), &key).await.data()["email"],
        "v@example.com"
    );
    // The changes are a JSON object, `{}` for none (openapi.yaml: the body is required).
    for method in ["PATCH", "PUT"] {
        let path = format!("/api/v1/customers/{id}");
        let bare = t.send(event(method, &path).key(&key).build()).await;
        bare.error(400, "invalid_json");
        let none = update(&t, &key, method, &id, json!({})).await;
        assert_eq!(none.data()["id"], id.as_str());
    }
    for reference in ["cus_01KEVENTSCVST0MER000000099", "nobody"] {
        update(&t, &key, "PATCH", reference, json!({ "fullName": "X" }))
            .await
            .error(404, "customer_not_found");
        update(&t, &key, "PUT", reference, json!({}))
            .await
            .error(404, "customer_not_found");
        // The refused update wrote nothing: still no such customer.
        t.get(&format!("/api/v1/customers/{reference}"), &key)
            .await
            .error(404, "customer_not_found");
    }
}

#[tokio::test]
async fn updates_of_different_fields_racing_a_move_all_land() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let id = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "f@example.com", "externalId": "before-race" }),
        )
        .await;
    let bodies = [
        json!({ "email": "f.new@example.com" }),
        json!({ "fullName": "Frances Allen" }),
        json!({ "timezone": "Europe/Paris" }),
        json!({ "metadata": { "plan": "pro" } }),
        json!({ "externalId": "after-race" }),
    ];
    let answers = futures_util::future::join_all(
        bodies
            .iter()
            .map(|body| update(&t, &key, "PATCH", &id, body.clone())),
    )
    .await;
    // The field updates are one write each and cannot be overtaken; only the move may be.
    for answer in &answers[..4] {
        assert_eq!(answer.status, 200, "{:#}", answer.body);
    }
    let moved = answers[4].status == 200;
    assert!(moved || answers[4].status == 503, "{:#}", answers[4].body);
    let now = t.get(&format!("/api/v1/customers/{id}"), &key).await;
    let customer = now.data();
    assert_eq!(customer["email"], "f.new@example.com");
    assert_eq!(customer["fullName"], "Frances Allen");
    assert_eq!(customer["timezone"], "Europe/Paris");
    assert_eq!(customer["metadata"], json!({ "plan": "pro" }));
    let (kept, freed) = if moved {
        ("after-race", "before-race")
    } else {
        ("before-race", "after-race")
    };
    assert_eq!(customer["externalId"], kept);
    assert_eq!(
        t.get(&format!("/api/v1/customers/{kept}"), &key)
            .await
            .data()["id"],
        id.as_str()
    );
    t.get(&format!("/api/v1/customers/{freed}"), &key)
        .await
        .error(404, "customer_not_found");
}

#[tokio::test]
async fn a_charge_is_taxed_by_the_address_the_customer_has_now() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    set_rates(&t, &account.id, 0, &[("US-CA", 725)]).await;
    let customer = crate::helpers::customer_with_card(&t, &key, None, "4242424242424242").await;
    let charge = |description: &'static str| {
        let (t, key, customer) = (&t, &key, &customer);
        async move {
            t.post(
                "/api/v1/payments/charge",
                key,
                json!({ "customerId": customer, "amount": 2500, "currency": "usd", "description": description }),
            )
            .await
        }
    };
    assert_eq!(charge("Before moving").await.data()["taxAmount"], 0);
    let moved = update(
        &t,
        &key,
        "PATCH",
        &customer,
        json!({ "address": { "country": "US", "state": "CA" } }),
    )
    .await;
    assert_eq!(moved.status, 200, "{:#}", moved.body);
    assert_eq!(charge("After moving").await.data()["taxAmount"], 181);
}

#[tokio::test]
async fn an_update_by_external_id_never_lands_on_a_customer_that_gave_it_up() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    // Each round races an update by external id against the customer moving off that id;
    // whichever wins, the update is on a customer holding the id, or 404. Odd rounds give the
    // external id again in the body (the path that reads the customer first).
    for round in 0..12 {
        let held = format!("held-{round}");
        let gone = format!("gone-{round}");
        let mut changes = json!({ "fullName": "By Ref" });
        if round % 2 == 1 {
            changes["externalId"] = json!(held);
        }
        let id = t
            .create(
                "/api/v1/customers",
                &key,
                json!({ "email": format!("r{round}@example.com"), "externalId": held }),
            )
            .await;
        let (moved, by_reference) = tokio::join!(
            update(&t, &key, "PATCH", &id, json!({ "externalId": gone }),),
            update(&t, &key, "PATCH", &held, changes),
        );
        assert_eq!(moved.status, 200, "{:#}", moved.body);
        let now = t.get(&format!("/api/v1/customers/{id}"), &key).await;
        // Never moved back by an update that named it by the id it had given up.
        assert_eq!(now.data()["externalId"], gone.as_str());
        if by_reference.status == 200 {
            assert_eq!(by_reference.data()["externalId"], held.as_str());
            assert_eq!(now.data()["fullName"], "By Ref");
        } else {
            by_reference.error(404, "customer_not_found");
            assert_eq!(now.data()["fullName"], Value::Null);
        }
    }
}
