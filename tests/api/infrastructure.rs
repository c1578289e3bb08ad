//! The three descriptions of the deployment agree: the route table in code, `template.yaml`
//! (what AWS runs) and the local router in `Cargo.toml` (what `cargo lambda watch` runs); and the
//! table the tests and local stack create is the table the template creates.

use std::collections::{BTreeMap, BTreeSet};

use commet_payments::domain::ids::{AccountId, ReceiptId};
use commet_payments::domain::mail_cap::MailHour;
use commet_payments::domain::time::Timestamp;
use commet_payments::http::routes::{self, FALLBACK_FUNCTION, HTTP_METHODS};
use commet_payments::store::keys;
use commet_payments::store::schema::TABLE;
use commet_payments::store::stream::EVENT_SOURCES;
use commet_payments::workers;
use serde_json::Value;
use serde_norway::Value as Yaml;

use crate::helpers::{MetricFilter, binary_of, logged, statements, string_like, template};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn resources(template: &Yaml) -> Vec<(String, &Yaml)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(name, resource)| (name.as_str().unwrap().to_owned(), resource))
        .collect()
}

fn functions(template: &Yaml) -> Vec<(String, &Yaml)> {
    resources(template)
        .into_iter()
        .filter(|(_, r)| r["Type"] == *"AWS::Serverless::Function")
        .collect()
}

fn text(value: &Yaml) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[test]
fn every_function_builds_with_the_makefile_from_its_logical_id() {
    let template = template();
    assert_eq!(
        template["Globals"]["Function"]["CodeUri"], *"deploy/",
        "the code location is the Makefile's folder, not the repository with target/ in it"
    );
    let makefile = std::fs::read_to_string(format!("{ROOT}/deploy/Makefile")).unwrap();
    assert!(makefile.contains("build-%Function:"));
    for (name, function) in functions(&template) {
        assert_eq!(function["Metadata"]["BuildMethod"], *"makefile", "{name}");
        let binary = binary_of(&name);
        assert!(
            std::path::Path::new(&format!("{ROOT}/src/bin/{binary}.rs")).exists(),
            "{name} builds src/bin/{binary}.rs, which does not exist"
        );
    }
    assert_eq!(
        binary_of("UpdateInvoiceStatusFunction"),
        "update_invoice_status"
    );
}

/// (method, path) -> binary, as API Gateway will route; `$default` for the catch-all.
fn template_routes(template: &Yaml) -> BTreeMap<(String, String), String> {
    let mut routes = BTreeMap::new();
    for (name, function) in functions(template) {
        let binary = binary_of(&name);
        let is_worker = workers::ALL.iter().any(|(_, worker)| worker.name == binary);
        for (_, event) in function["Properties"]["Events"].as_mapping().unwrap() {
            if is_worker {
                assert_ne!(event["Type"], *"HttpApi", "{name} is no API function");
                continue;
            }
            assert_eq!(event["Type"], *"HttpApi", "{name}");
            let properties = &event["Properties"];
            let key = match (properties.get("Method"), properties.get("Path")) {
                (Some(method), Some(path)) => (text(method), text(path)),
                (None, None) => ("ANY".to_owned(), "$default".to_owned()),
                _ => panic!("{name}: an HttpApi event needs both Method and Path, or neither"),
            };
            assert!(
                routes.insert(key, binary.clone()).is_none(),
                "{name}: duplicate route"
            );
        }
    }
    routes
}

#[test]
fn template_routes_are_exactly_the_route_table() {
    let mut expected: BTreeMap<(String, String), String> = routes::ALL
        .iter()
        .map(|r| {
            (
                (r.method.to_owned(), r.path.to_owned()),
                r.function.to_owned(),
            )
        })
        .collect();
    expected.insert(
        ("ANY".to_owned(), "$default".to_owned()),
        FALLBACK_FUNCTION.to_owned(),
    );
    assert_eq!(template_routes(&template()), expected);
}

#[test]
fn every_lambda_binary_is_deployed_and_nothing_else() {
    let template = template();
    let deployed: BTreeSet<String> = functions(&template)
        .iter()
        .map(|(name, _)| binary_of(name))
        .collect();
    let binaries: BTreeSet<String> = std::fs::read_dir(format!("{ROOT}/src/bin"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| name != "admin")
        .collect();
    assert_eq!(deployed, binaries);
}

#[test]
fn every_function_binary_is_its_endpoint_table_entry_and_nothing_more() {
    let mut functions: BTreeSet<&str> = commet_payments::endpoints::ALL
        .iter()
        .map(|(_, function)| function.name)
        .collect();
    let workers: BTreeSet<&str> = workers::ALL.iter().map(|(_, w)| w.name).collect();
    for (constant, worker) in workers::ALL {
        assert_eq!(*constant, worker.name.to_uppercase());
    }
    for entry in std::fs::read_dir(format!("{ROOT}/src/bin")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "admin" {
            continue;
        }
        let code: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with("//") && !line.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let main = if workers.contains(name.as_str()) {
            "worker_main"
        } else {
            "lambda_main"
        };
        assert_eq!(
            code,
            [format!(
                "commet_payments::{main}!({});",
                name.to_uppercase()
            )],
            "{name}"
        );
        assert!(
            functions.remove(name.as_str()) || workers.contains(name.as_str()),
            "{name} is not in endpoints::ALL or workers::ALL"
        );
    }
    assert!(
        functions.is_empty(),
        "functions without a binary: {functions:?}"
    );
}

/// The function API Gateway runs for `method` on a concrete `path`: the route that matches, or
/// the `$default` one.
fn gateway_function(method: &str, path: &str) -> &'static str {
    routes::ALL
        .iter()
        .find(|route| route.method == method && route.match_path(path).is_some())
        .map_or(FALLBACK_FUNCTION, |route| route.function)
}

#[test]
fn local_router_sends_every_request_where_api_gateway_would() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(format!("{ROOT}/Cargo.toml")).unwrap()).unwrap();
    let router = manifest["package"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("[package.metadata.lambda.watch.router]");
    for (path, entry) in router {
        match entry {
            toml::Value::String(function) => {
                assert_eq!(function, FALLBACK_FUNCTION, "{path}");
                assert!(
                    path == "/" || path.starts_with("/{*"),
                    "only catch-alls go whole to the fallback: {path}"
                );
            }
            toml::Value::Array(entries) => {
                let methods: BTreeSet<&str> = entries
                    .iter()
                    .map(|e| e["method"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    methods,
                    HTTP_METHODS.iter().copied().collect(),
                    "{path}: every method is mapped"
                );
                let concrete = path.replace("{id}", "sample-id");
                for e in entries {
                    let method = e["method"].as_str().unwrap();
                    assert_eq!(
                        e["function"].as_str().unwrap(),
                        gateway_function(method, &concrete),
                        "{method} {path}"
                    );
                }
            }
            other => panic!("{path}: unexpected router entry {other:?}"),
        }
    }
    for route in routes::ALL {
        let entries = router
            .get(route.path)
            .and_then(|entry| entry.as_array())
            .unwrap_or_else(|| panic!("{} is not in the local router", route.path));
        assert!(
            entries
                .iter()
                .any(|e| e["method"].as_str() == Some(route.method)
                    && e["function"].as_str() == Some(route.function)),
            "{} {} is not routed to {}",
            route.method,
            route.path,
            route.function
        );
    }
    assert!(
        router.contains_key("/{*path}"),
        "unknown paths reach the fallback"
    );
}

/// Name, key schema and projection of an index.
type IndexShape = (String, Vec<(String, String)>, String);

fn key_schema(value: &Yaml) -> Vec<(String, String)> {
    value
        .as_sequence()
        .unwrap()
        .iter()
        .map(|k| (text(&k["AttributeName"]), text(&k["KeyType"])))
        .collect()
}

#[test]
fn template_table_is_the_table_the_code_creates() {
    let template = template();
    let table = &template["Resources"]["PaymentsTable"];
    assert_eq!(table["Type"], Yaml::from("AWS::DynamoDB::Table"));
    assert_eq!(
        table["DeletionPolicy"], *"Retain",
        "data outlives the stack"
    );
    assert_eq!(table["UpdateReplacePolicy"], Yaml::from("Retain"));
    let properties = &table["Properties"];
    assert_eq!(properties["BillingMode"], Yaml::from("PAY_PER_REQUEST"));
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        Yaml::from(true)
    );
    assert_eq!(
        key_schema(&properties["KeySchema"]),
        vec![
            (TABLE.partition_key.to_owned(), "HASH".to_owned()),
            (TABLE.sort_key.to_owned(), "RANGE".to_owned())
        ]
    );
    let attributes: BTreeSet<(String, String)> = properties["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| (text(&a["AttributeName"]), text(&a["AttributeType"])))
        .collect();
    let expected: BTreeSet<(String, String)> = TABLE
        .key_attributes()
        .into_iter()
        .map(|name| (name.to_owned(), "S".to_owned()))
        .collect();
    assert_eq!(attributes, expected);

    let indexes: Vec<IndexShape> = properties["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| {
            (
                text(&i["IndexName"]),
                key_schema(&i["KeySchema"]),
                text(&i["Projection"]["ProjectionType"]),
            )
        })
        .collect();
    let expected: Vec<IndexShape> = TABLE
        .indexes
        .iter()
        .map(|i| {
            (
                i.name.to_owned(),
                vec![
                    (i.partition_key.to_owned(), "HASH".to_owned()),
                    (i.sort_key.to_owned(), "RANGE".to_owned()),
                ],
                "ALL".to_owned(),
            )
        })
        .collect();
    assert_eq!(indexes, expected);
    assert_eq!(
        properties["TimeToLiveSpecification"]["AttributeName"],
        Yaml::from(TABLE.ttl_attribute)
    );
    assert_eq!(
        properties["TimeToLiveSpecification"]["Enabled"],
        Yaml::from(true)
    );
    assert_eq!(
        properties["StreamSpecification"]["StreamViewType"],
        Yaml::from(TABLE.stream_view)
    );
}

/// The stream mapping of a stream worker: failures reported per record, bounded retries, and
/// what it gives up on kept in the queue an alarm watches. Its one filter's pattern.
fn stream_filter(template: &Yaml, function: &str) -> serde_json::Value {
    let function = &template["Resources"][function];
    let events = function["Properties"]["Events"].as_mapping().unwrap();
    assert_eq!(events.len(), 1);
    let (_, stream) = events.iter().next().unwrap();
    assert_eq!(stream["Type"], *"DynamoDB");
    let properties = &stream["Properties"];
    assert_eq!(
        properties["FunctionResponseTypes"],
        serde_norway::from_str::<Yaml>("[ReportBatchItemFailures]").unwrap()
    );
    assert!(properties["MaximumRetryAttempts"].as_u64().unwrap() <= 10);
    assert!(
        format!(
            "{:?}",
            properties["DestinationConfig"]["OnFailure"]["Destination"]
        )
        .contains("DeliveryFailuresQueue.Arn")
    );
    let filters = properties["FilterCriteria"]["Filters"]
        .as_sequence()
        .unwrap();
    assert_eq!(filters.len(), 1);
    serde_json::from_str(filters[0]["Pattern"].as_str().unwrap()).unwrap()
}

/// `deliver_events` reads the table's stream the way its handler expects: only changes of the
/// items that cause events (the filter is the code's list), failures reported per record, bounded
/// retries, and what it gives up on kept in a queue that an alarm watches.
#[test]
fn deliver_events_reads_the_stream_as_the_code_expects() {
    let template = template();
    let pattern = stream_filter(&template, "DeliverEventsFunction");
    assert_eq!(
        pattern["eventName"],
        serde_json::json!(["INSERT", "MODIFY"])
    );
    assert_eq!(
        pattern["dynamodb"]["Keys"]["sk"]["S"],
        serde_json::json!(EVENT_SOURCES)
    );
    let alarmed: Vec<String> = resources(&template)
        .into_iter()
        .filter(|(_, r)| r["Type"] == *"AWS::CloudWatch::Alarm")
        .map(|(name, _)| name)
        .collect();
    assert!(alarmed.contains(&"DeliveryFailuresAlarm".to_owned()));
    assert!(alarmed.contains(&"StreamIteratorAgeAlarm".to_owned()));
    assert!(alarmed.contains(&"ReceiptsIteratorAgeAlarm".to_owned()));
    assert!(alarmed.contains(&"PendingChargesAlarm".to_owned()));
    assert!(alarmed.contains(&"StripeSyncIteratorAgeAlarm".to_owned()));
    assert!(alarmed.contains(&"Api5xxAlarm".to_owned()));
    assert!(alarmed.contains(&"ErrorLogLinesAlarm".to_owned()));
    let retry = &template["Resources"]["RetryDeliveriesFunction"]["Properties"]["Events"];
    let (_, schedule) = retry.as_mapping().unwrap().iter().next().unwrap();
    assert_eq!(schedule["Type"], *"Schedule");
}

/// `sync_stripe_customers` gets every write of a customer (a create, a new card or Stripe customer
/// included: `ProviderProfile::to_sync` decides), and nothing else.
#[test]
fn sync_stripe_customers_reads_customer_writes() {
    let pattern = stream_filter(&template(), "SyncStripeCustomersFunction");
    assert_eq!(
        pattern["eventName"],
        serde_json::json!(["INSERT", "MODIFY"])
    );
    assert_eq!(
        pattern["dynamodb"]["Keys"]["sk"]["S"],
        serde_json::json!([keys::CUSTOMER_SK])
    );
}

/// The workers write only their own records (deliveries, receipts, recorded charges), and the
/// webhook workers cannot read a payment.
#[test]
fn workers_touch_only_what_they_deliver() {
    let template = template();
    for (_, worker) in workers::ALL {
        let own: &[&str] = match worker.name {
            // Receipts, and each account's count of mails an hour.
            "send_receipts" => &["A#*#RCPT#*", "A#*#MAILS#*"],
            // What recording a charge writes: the payment and its pending charge, the invoice
            // and the counter that numbers it, the receipt; and for a live link, its check and
            // the customer a paid link makes of its payer.
            "reconcile_charges" => &[
                "A#*#PAY#*",
                "A#*#INV#*",
                "A#*#INVSEQ",
                "A#*#RCPT#*",
                "A#*#CUS#*",
            ],
            _ => &["A#*#WHDL#*"],
        };
        let reads_payments = worker.name != "deliver_events" && worker.name != "retry_deliveries";
        let logical = format!(
            "{}Function",
            worker
                .name
                .split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect::<String>()
        );
        let function = &template["Resources"][logical.as_str()];
        {
            for statement in statements(function) {
                let actions: Vec<&str> = statement["Action"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect();
                let keys: Vec<&str> =
                    statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                        .as_sequence()
                        .map(|keys| keys.iter().map(|k| k.as_str().unwrap()).collect())
                        .unwrap_or_default();
                if actions
                    .iter()
                    .any(|a| *a == "dynamodb:PutItem" || *a == "dynamodb:UpdateItem")
                {
                    assert_eq!(keys, own, "{logical} writes only its own records");
                }
                if actions.contains(&"dynamodb:GetItem") {
                    assert!(
                        !keys.is_empty(),
                        "{logical}: GetItem is limited to some items"
                    );
                    assert!(
                        reads_payments || keys.iter().all(|k| !k.contains("PAY")),
                        "{logical} cannot read payments"
                    );
                }
                if actions.iter().any(|a| a.starts_with("ses:")) {
                    assert_eq!(worker.name, "send_receipts", "only receipts send mail");
                    assert_eq!(actions, ["ses:SendEmail"]);
                    assert!(format!("{:?}", statement["Resource"]).contains(":identity/"));
                }
                if actions.contains(&"dynamodb:Query") {
                    assert!(
                        format!("{:?}", statement["Resource"]).contains("/index/"),
                        "{logical} queries an index only"
                    );
                }
            }
        }
    }
}

/// IAM actions a function's policies allow (on the table, and the Stripe secret).
fn allowed_actions(function: &Yaml) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for statement in statements(function) {
        assert_eq!(statement["Effect"], Yaml::from("Allow"));
        for action in statement["Action"].as_sequence().unwrap() {
            actions.insert(text(action));
        }
    }
    actions
}

#[test]
fn functions_have_least_privilege() {
    let template = template();
    let writes = [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    ];
    // The functions behind an API key: its lookup rides in the first read's BatchGetItem
    // (`store/key_lookup.rs`), which IAM grants apart from GetItem. And the two public pages
    // and the receipts, which read an object with its merchant's account in one
    // (`App::with_merchant`).
    let batched: BTreeSet<String> = template_routes(&template)
        .into_iter()
        .filter(|((_, path), _)| path.starts_with("/api/v1/"))
        .map(|(_, binary)| binary)
        .chain(["pay_page", "download_invoice", "send_receipts"].map(String::from))
        .collect();
    for (name, function) in functions(&template) {
        let binary = binary_of(&name);
        let actions = allowed_actions(function);
        assert_eq!(
            actions.contains("dynamodb:BatchGetItem"),
            batched.contains(&binary),
            "{name}: BatchGetItem where its reads batch, and only there"
        );
        // The secrets each function may read: the Stripe keys (live and test) to charge, to
        // pay links through Stripe, to update Stripe customers and to refund, the webhook signing secrets
        // to check Stripe's events.
        let secrets: &[&str] = match binary.as_str() {
            "charge_payment"
            | "reconcile_charges"
            | "pay_page"
            | "sync_stripe_customers"
            | "refund_transaction" => &["StripeSecretArn", "StripeTestSecretArn"],
            // And the keys, to read the card a link was paid with.
            "stripe_webhook" => &[
                "StripeWebhookSecretArn",
                "StripeTestWebhookSecretArn",
                "StripeSecretArn",
                "StripeTestSecretArn",
            ],
            _ => &[],
        };
        assert!(
            actions.iter().all(|a| !a.contains('*')
                && (a.starts_with("dynamodb:")
                    || (binary == "send_receipts" && a == "ses:SendEmail")
                    || (!secrets.is_empty() && a == "secretsmanager:GetSecretValue"))),
            "{name}: no wildcards, table actions only (and SES for receipts, a Stripe secret \
             for charges and Stripe's events): {actions:?}"
        );
        for statement in statements(function) {
            if format!("{:?}", statement["Action"]).contains("secretsmanager:") {
                let resources = statement["Resource"].as_sequence().unwrap();
                let only_its_secrets = matches!(
                    resources.as_slice(),
                    [Yaml::Tagged(reference)]
                        if reference.tag == "Ref"
                            && secrets.contains(&reference.value.as_str().unwrap_or_default())
                );
                assert!(only_its_secrets, "{name} reads {secrets:?} only");
            }
        }
        let read_only = binary.starts_with("get_") || binary.starts_with("list_");
        if read_only {
            assert!(
                actions.iter().all(|a| !writes.contains(&a.as_str())),
                "{name} is read-only but may write: {actions:?}"
            );
        }
        if binary == FALLBACK_FUNCTION || binary == "error_docs" {
            assert!(actions.is_empty(), "{name} needs no table access");
        } else {
            assert!(
                actions.contains("dynamodb:GetItem"),
                "{name}: API-key lookup needs GetItem"
            );
        }
        if binary.starts_with("list_") {
            assert!(actions.contains("dynamodb:Query"), "{name}");
        }
    }
}

/// openapi.yaml, parsed.
fn openapi() -> Yaml {
    let text = std::fs::read_to_string(format!("{ROOT}/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).expect("openapi.yaml parses")
}

#[test]
fn openapi_describes_exactly_the_routes() {
    let doc = openapi();
    assert_eq!(doc["openapi"], *"3.1.0");
    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, _) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap().to_ascii_uppercase();
            if HTTP_METHODS.contains(&method.as_str()) {
                described.insert((method, path.as_str().unwrap().to_owned()));
            }
        }
    }
    // The routes without /v1 answer the first version's shapes, which this document (of the
    // current version) does not describe; the contract's §6 does.
    let routed: BTreeSet<(String, String)> = routes::ALL
        .iter()
        .filter(|r| !routes::is_unversioned(r.path))
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(described, routed);
}

/// Every code of `letters` letters that `accepts` takes, upper case, in order.
fn accepted_codes(letters: u32, accepts: impl Fn(&str) -> bool) -> Vec<String> {
    let mut codes = vec![String::new()];
    for _ in 0..letters {
        codes = codes
            .iter()
            .flat_map(|prefix| ('A'..='Z').map(move |c| format!("{prefix}{c}")))
            .collect();
    }
    codes.into_iter().filter(|code| accepts(code)).collect()
}

/// The enum a schema in openapi.yaml lists, in order.
fn openapi_enum(doc: &Yaml, schema: &str) -> Vec<String> {
    let mut node = &doc["components"]["schemas"];
    for step in schema.split('/') {
        node = &node[step];
    }
    let listed = node["enum"]
        .as_sequence()
        .map(Vec::as_slice)
        .unwrap_or_default();
    listed
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The schema lists exactly what the API accepts, upper and lower case (any case is accepted), so
/// that generated requests are valid and the list cannot drift from the code.
#[test]
fn openapi_lists_exactly_the_accepted_currencies_and_countries() {
    use commet_payments::domain::address::CountryCode;
    use commet_payments::domain::money::Currency;

    let doc = openapi();
    let currencies = accepted_codes(3, |c| Currency::parse(c).is_ok());
    let countries = accepted_codes(2, |c| CountryCode::parse(c).is_ok());
    for (schema, accepted, some, at_least) in [
        ("Currency", currencies, "USD", 100),
        ("Address/properties/country", countries, "GB", 200),
    ] {
        assert!(accepted.len() > at_least && accepted.iter().any(|c| c == some));
        let lower = accepted.iter().map(|c| c.to_ascii_lowercase());
        let both_cases: Vec<String> = lower.chain(accepted.iter().cloned()).collect();
        assert_eq!(
            openapi_enum(&doc, schema),
            both_cases,
            "{schema}: the API accepts {}",
            accepted.join(", ")
        );
    }
}

/// The schema lists exactly the time zone names the API accepts, as the database spells them,
/// so that generated customers carry a zone the API keeps.
#[test]
fn openapi_lists_exactly_the_accepted_time_zones() {
    use commet_payments::domain::text::Timezone;

    let doc = openapi();
    let listed = openapi_enum(&doc, "Timezone");
    assert!(listed.len() > 500 && listed.iter().any(|name| name == "Europe/Madrid"));
    assert_eq!(listed, tzdb_data::TZ_NAMES);
    for name in &listed {
        assert_eq!(
            Timezone::parse(name)
                .map(|zone| zone.as_str().to_owned())
                .as_ref(),
            Ok(name)
        );
    }
}

/// The version dates openapi.yaml's patterns allow (in the body and in `Commet-Version`) are the
/// dates the API takes, so that generated requests pass: every day of years around the releases
/// and long before, with months and days out of range; only February 29 of a year that is not a
/// leap year passes the patterns (which do not count years) and is refused.
#[test]
fn openapi_version_date_patterns_allow_exactly_the_accepted_dates() {
    use commet_payments::domain::version::ApiVersion;

    let doc = openapi();
    let components = &doc["components"];
    for pattern in [
        &components["schemas"]["VersionDate"]["pattern"],
        &components["parameters"]["CommetVersion"]["schema"]["pattern"],
    ] {
        let pattern = regex_lite::Regex::new(pattern.as_str().unwrap()).unwrap();
        for year in [1, 999, 1900, 2000, 2023, 2024, 2025, 2026, 2027] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let date = format!("{year:04}-{month:02}-{day:02}");
                    let accepted = ApiVersion::parse(&date).is_ok();
                    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
                    let uncounted = month == 2 && day == 29 && !leap && year <= 2025;
                    assert_eq!(pattern.is_match(&date), accepted || uncounted, "{date}");
                }
            }
        }
        for malformed in [
            "2026-8-01",
            "26-08-01",
            "2026-08-01T00:00:00Z",
            " 2026-08-01",
            "",
        ] {
            assert!(!pattern.is_match(malformed), "{malformed}");
            assert!(ApiVersion::parse(malformed).is_err(), "{malformed}");
        }
    }
}

/// Every function that takes writes with an Idempotency-Key may claim (UpdateItem, or PutItem
/// over an expired record), keep and release (UpdateItem) idempotency records, and only those items: without it a
/// keyed request would fail on AWS, where DynamoDB Local checks no policy at all.
#[test]
fn functions_taking_idempotency_keys_may_write_exactly_their_records() {
    let template = template();
    for (name, function) in functions(&template) {
        let binary = binary_of(&name);
        let takes_keys = routes::ALL.iter().any(|route| {
            route.function == binary && route.path.starts_with("/api/") && route.method != "GET"
        });
        let statements = statements(function);
        let records = statements.iter().find(|statement| {
            statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                .as_sequence()
                .is_some_and(|keys| keys == &[Yaml::from("A#*#IDEM#*")])
        });
        if !takes_keys {
            assert!(records.is_none(), "{name} takes no Idempotency-Key");
            continue;
        }
        let records = records.unwrap_or_else(|| panic!("{name}: no idempotency-record statement"));
        let actions: BTreeSet<String> = records["Action"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let expected: BTreeSet<String> = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
            .map(str::to_owned)
            .into();
        assert_eq!(actions, expected, "{name}");
    }
}

/// The keys `send_receipts` updates (a receipt, an account's count of mails in an hour) are
/// ones its policy lets it update: DynamoDB Local checks no policy, AWS would refuse the rest.
#[test]
fn send_receipts_may_update_the_keys_it_updates() {
    let template = template();
    let function = &template["Resources"]["SendReceiptsFunction"];
    let allowed: Vec<String> = statements(function)
        .into_iter()
        .filter(|statement| {
            statement["Action"]
                .as_sequence()
                .unwrap()
                .iter()
                .any(|action| action == "dynamodb:UpdateItem")
        })
        .flat_map(|statement| {
            statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(text)
        })
        .collect();
    let account = AccountId::generate();
    let hour = MailHour::of(Timestamp::now());
    for key in [
        keys::receipt(&account, &ReceiptId::generate()),
        keys::mail_count(&account, &hour.label),
    ] {
        assert!(
            allowed.iter().any(|pattern| string_like(pattern, &key)),
            "{key} is not among {allowed:?}"
        );
    }
    assert!(!string_like(
        "A#*#RCPT#*",
        &keys::mail_count(&account, &hour.label)
    ));
}

/// Each alarm on log lines counts a metric filter's metric, and the filter reads the log group
/// every function writes to, as JSON.
#[test]
fn the_log_line_alarms_count_the_log_group_every_function_writes_to() {
    let template = template();
    let logging = &template["Globals"]["Function"]["LoggingConfig"];
    assert_eq!(logging["LogFormat"], *"JSON");
    assert!(
        matches!(&logging["LogGroup"], Yaml::Tagged(r) if r.tag == "Ref" && r.value == *"ApiLogGroup")
    );
    for (name, function) in functions(&template) {
        assert!(
            function["Properties"]["LoggingConfig"].is_null(),
            "{name} logs where the Globals say"
        );
    }
    for (filter, alarm) in [
        ("ErrorLogLinesFilter", "ErrorLogLinesAlarm"),
        ("MailCapReachedFilter", "MailCapReachedAlarm"),
    ] {
        let filter = &template["Resources"][filter]["Properties"];
        assert!(
            matches!(&filter["LogGroupName"], Yaml::Tagged(r) if r.tag == "Ref" && r.value == *"ApiLogGroup")
        );
        let metric = &filter["MetricTransformations"][0];
        let alarm = &template["Resources"][alarm]["Properties"];
        assert_eq!(alarm["MetricName"], metric["MetricName"]);
        assert_eq!(alarm["Namespace"], metric["MetricNamespace"]);
        assert_eq!(alarm["ComparisonOperator"], *"GreaterThanThreshold");
        assert_eq!(alarm["Threshold"], Yaml::from(0));
    }
}

/// The alarm on ERROR lines counts what the functions write at ERROR, and nothing quieter: its
/// metric filter held to the JSON lines of the logger every function runs
/// (`logging::json_layer`, as deployed).
#[tokio::test]
async fn the_error_lines_alarm_counts_the_lines_functions_write_at_error() {
    let errors = MetricFilter::of(&template(), "ErrorLogLinesFilter");
    let ((), lines) = logged(async {
        let span = tracing::info_span!("request", request_id = "r-1", function = "get_payment");
        let _entered = span.enter();
        tracing::error!(status = 500, "request failed");
        tracing::warn!("a retry");
        tracing::info!("request done");
    })
    .await;
    let counted: Vec<&Value> = lines.iter().filter(|line| errors.counts(line)).collect();
    assert_eq!(counted.len(), 1, "{lines:#?}");
    assert_eq!(counted[0]["message"], "request failed");
}

/// A worker's failure is an ERROR line too, so that the ERROR-line alarm counts it: a scheduled
/// worker (here `retry_deliveries`, its table unreachable) has no other alarm.
#[tokio::test]
async fn a_worker_that_fails_writes_an_error_line() {
    let app = crate::helpers::app_without_datastore().await;
    let (answer, lines) = logged(workers::invoke(
        &workers::RETRY_DELIVERIES,
        app,
        serde_json::json!({"source": "aws.events"}),
    ))
    .await;
    assert!(answer.is_err(), "{answer:?}");
    let failed: Vec<&Value> = lines
        .iter()
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert_eq!(failed.len(), 1, "{lines:#?}");
    assert_eq!(failed[0]["worker"], "retry_deliveries");
}
