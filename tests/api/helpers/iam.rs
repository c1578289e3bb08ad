//! `template.yaml`'s policies held to what the functions send: DynamoDB Local checks no policy,
//! so a write the deployed function may not make (an item outside its `LeadingKeys`, an action
//! it lacks) would pass every test here and fail only on AWS. Every DynamoDB call a test makes
//! while it runs as a function (an API request through `TestApp::send`, a worker's container
//! from `TestApp::as_worker`) is checked against that function's statements before it is sent,
//! and a call they do not allow fails its test. The local stream relay runs every worker in one
//! container: its calls are held to the workers' policies together (one must allow each).
//!
//! IAM's evaluation, as far as these policies use it: an action is allowed when a statement
//! names it (a transaction's and a batch's per-item actions too: `ConditionCheckItem`, `PutItem`,
//! `UpdateItem`, `DeleteItem`), on the table or the index called (`${Table.Arn}/index/*`), and,
//! when the statement has a `ForAllValues:StringLike` `dynamodb:LeadingKeys` condition, every
//! partition key the call touches matches one of its patterns. A Query's partition value is
//! not read out of its key condition: Queries are checked for action and resource only.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableInput;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use commet_payments::store::{Store, keys};
use serde_norway::Value as Yaml;

tokio::task_local! {
    /// The function (its binary's name) the running test code stands for.
    static FUNCTION: &'static str;
}

/// Runs `work` as function `name` (a worker's binary name): its DynamoDB calls are checked
/// against that function's policy.
pub async fn as_function<F: Future>(name: &'static str, work: F) -> F::Output {
    FUNCTION.scope(name, work).await
}

/// `store` with every call checked against the policy of the function it is made for (as
/// `as_function` says; not checked outside it).
pub fn checked(store: Store) -> Store {
    with_check(
        store,
        PolicyCheck {
            functions: Vec::new(),
        },
    )
}

/// `store` as the container of `functions` has it (one function's, or the local stream relay's,
/// which runs every worker): every call checked against their policies (allowed when one of them
/// allows it), also from tasks it spawns, which `as_function` does not reach.
pub fn checked_as(store: &Store, functions: &[&'static str]) -> Store {
    let functions = functions.to_vec();
    with_check(store.clone(), PolicyCheck { functions })
}

fn with_check(store: Store, check: PolicyCheck) -> Store {
    let config = store
        .client()
        .config()
        .to_builder()
        .interceptor(check)
        .build();
    Store::from_client(
        aws_sdk_dynamodb::Client::from_conf(config),
        store.table_name(),
    )
}

/// One statement's grant on the table.
#[derive(Debug)]
struct Grant {
    actions: Vec<String>,
    /// `table`, or `index/<name>` (`index/*` for every index).
    resources: Vec<String>,
    /// `None`: any item.
    leading_keys: Option<Vec<String>>,
}

/// What one call needs: an action on a resource, for the partition keys it touches.
#[derive(Debug)]
struct Need {
    action: &'static str,
    resource: String,
    /// `None`: not checked (a Query).
    keys: Option<Vec<String>>,
}

#[derive(Debug)]
struct PolicyCheck {
    /// The functions every call is made for (one of them); none: the one `as_function` names,
    /// if any.
    functions: Vec<&'static str>,
}

impl Intercept for PolicyCheck {
    fn name(&self) -> &'static str {
        "PolicyCheck"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let functions = match (self.functions.as_slice(), FUNCTION.try_with(|name| *name)) {
            ([], Ok(named)) => vec![named],
            ([], Err(_)) => return Ok(()),
            (fixed, _) => fixed.to_vec(),
        };
        let grants: Vec<&[Grant]> = functions
            .iter()
            .map(|function| {
                policies()
                    .get(*function)
                    .map(Vec::as_slice)
                    .unwrap_or_else(|| {
                        panic!("{function}: no function of that name in template.yaml")
                    })
            })
            .collect();
        for need in needs(context.input()) {
            assert!(
                grants
                    .iter()
                    .any(|grants| grants.iter().any(|grant| allows(grant, &need))),
                "the policy of {functions:?} in template.yaml does not allow {need:?} (AWS would \
                 refuse it; DynamoDB Local checks no policy)"
            );
        }
        Ok(())
    }
}

fn allows(grant: &Grant, need: &Need) -> bool {
    let resource = grant.resources.iter().any(|resource| {
        *resource == need.resource || (resource == "index/*" && need.resource.starts_with("index/"))
    });
    let keys = match (&grant.leading_keys, &need.keys) {
        (None, _) | (_, None) => true,
        (Some(patterns), Some(keys)) => keys
            .iter()
            .all(|key| patterns.iter().any(|pattern| string_like(pattern, key))),
    };
    resource && keys && grant.actions.iter().any(|action| action == need.action)
}

/// Whether `text` matches IAM's `StringLike` `pattern` (`*`: any run of characters; the
/// policies use no `?`).
pub fn string_like(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            text.starts_with(head)
                && (head.len()..=text.len())
                    .any(|at| text.is_char_boundary(at) && string_like(rest, &text[at..]))
        }
    }
}

fn partition(key: Option<&std::collections::HashMap<String, AttributeValue>>) -> String {
    key.and_then(|key| key.get(keys::PK))
        .and_then(|pk| pk.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

/// What a call needs allowed. A call this does not know fails: a function's new kind of call
/// is taught here before it is trusted.
fn needs(input: &aws_smithy_runtime_api::client::interceptors::context::Input) -> Vec<Need> {
    let on_table = |action, key: String| Need {
        action,
        resource: "table".into(),
        keys: Some(vec![key]),
    };
    if let Some(get) = input.downcast_ref::<GetItemInput>() {
        return vec![on_table("dynamodb:GetItem", partition(get.key.as_ref()))];
    }
    if let Some(put) = input.downcast_ref::<PutItemInput>() {
        return vec![on_table("dynamodb:PutItem", partition(put.item.as_ref()))];
    }
    if let Some(update) = input.downcast_ref::<UpdateItemInput>() {
        return vec![on_table(
            "dynamodb:UpdateItem",
            partition(update.key.as_ref()),
        )];
    }
    if let Some(delete) = input.downcast_ref::<DeleteItemInput>() {
        return vec![on_table(
            "dynamodb:DeleteItem",
            partition(delete.key.as_ref()),
        )];
    }
    if let Some(batch) = input.downcast_ref::<BatchGetItemInput>() {
        let keys = batch
            .request_items
            .iter()
            .flat_map(|tables| tables.values())
            .flat_map(|wanted| wanted.keys.iter().map(|key| partition(Some(key))))
            .collect();
        return vec![Need {
            action: "dynamodb:BatchGetItem",
            resource: "table".into(),
            keys: Some(keys),
        }];
    }
    if let Some(query) = input.downcast_ref::<QueryInput>() {
        return vec![Need {
            action: "dynamodb:Query",
            resource: query
                .index_name
                .as_ref()
                .map_or("table".into(), |index| format!("index/{index}")),
            keys: None,
        }];
    }
    if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
        return transaction
            .transact_items
            .iter()
            .flatten()
            .map(|item| {
                if let Some(check) = &item.condition_check {
                    on_table("dynamodb:ConditionCheckItem", partition(Some(&check.key)))
                } else if let Some(put) = &item.put {
                    on_table("dynamodb:PutItem", partition(Some(&put.item)))
                } else if let Some(update) = &item.update {
                    on_table("dynamodb:UpdateItem", partition(Some(&update.key)))
                } else if let Some(delete) = &item.delete {
                    on_table("dynamodb:DeleteItem", partition(Some(&delete.key)))
                } else {
                    panic!("a transaction item of no kind: {item:?}")
                }
            })
            .collect();
    }
    if let Some(batch) = input.downcast_ref::<BatchWriteItemInput>() {
        return batch
            .request_items
            .iter()
            .flat_map(|tables| tables.values())
            .flatten()
            .map(
                |request| match (&request.put_request, &request.delete_request) {
                    (Some(put), _) => {
                        on_table("dynamodb:BatchWriteItem", partition(Some(&put.item)))
                    }
                    (_, Some(delete)) => {
                        on_table("dynamodb:BatchWriteItem", partition(Some(&delete.key)))
                    }
                    _ => panic!("a batch write of no kind: {request:?}"),
                },
            )
            .collect();
    }
    // The local relay finds the table's stream as Lambda's event source mapping does on AWS,
    // with no function's policy.
    if input.downcast_ref::<DescribeTableInput>().is_some() {
        return Vec::new();
    }
    panic!("a DynamoDB call the policy check does not know: {input:?}")
}

/// Every function's grants on the table, by its binary's name (`GetPaymentFunction`:
/// `get_payment`), read from `template.yaml` once.
fn policies() -> &'static BTreeMap<String, Vec<Grant>> {
    static POLICIES: OnceLock<BTreeMap<String, Vec<Grant>>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        template()["Resources"]
            .as_mapping()
            .unwrap()
            .iter()
            .filter(|(_, resource)| resource["Type"] == *"AWS::Serverless::Function")
            .map(|(name, function)| (binary_of(name.as_str().unwrap()), grants(function)))
            .collect()
    })
}

/// The binary a function of the template runs: deploy/Makefile builds `build-<LogicalId>` from
/// the logical id without `Function`, in snake case (`CreatePaymentFunction` is
/// `create_payment`), and this is the same rule.
pub fn binary_of(name: &str) -> String {
    let stem = name
        .strip_suffix("Function")
        .unwrap_or_else(|| panic!("{name}: a function's logical id ends in Function"));
    let mut binary = String::new();
    for (i, c) in stem.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            binary.push('_');
        }
        binary.push(c.to_ascii_lowercase());
    }
    binary
}

/// `template.yaml`, parsed.
pub fn template() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::from_str(&text).expect("template.yaml parses")
}

/// The statements of a function's inline policies, a conditional policy's (`!If [condition,
/// policy, !Ref AWS::NoValue]`) included as if its condition held.
pub fn statements(function: &Yaml) -> Vec<&Yaml> {
    let policies = function["Properties"]
        .get("Policies")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten();
    policies
        .map(|policy| match policy {
            Yaml::Tagged(tagged) if tagged.tag == "If" => &tagged.value[1],
            plain => plain,
        })
        .flat_map(|policy| {
            policy["Statement"]
                .as_sequence()
                .expect("inline policy statements")
        })
        .collect()
}

/// A function's statements on the table.
fn grants(function: &Yaml) -> Vec<Grant> {
    statements(function)
        .into_iter()
        .map(|statement| Grant {
            actions: strings(&statement["Action"]),
            resources: statement["Resource"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(table_resource)
                .collect(),
            leading_keys: {
                let keys =
                    &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                keys.as_sequence().map(|_| strings(keys))
            },
        })
        .collect()
}

fn strings(value: &Yaml) -> Vec<String> {
    value
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|item| item.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// `!GetAtt PaymentsTable.Arn` as `table`, `!Sub "${PaymentsTable.Arn}/index/gsi2"` as
/// `index/gsi2`; anything else (a secret, an SES identity) as `None`.
fn table_resource(resource: &Yaml) -> Option<String> {
    let Yaml::Tagged(tagged) = resource else {
        return None;
    };
    let text = tagged.value.as_str()?;
    if tagged.tag == "GetAtt" {
        (text == "PaymentsTable.Arn").then(|| "table".into())
    } else if tagged.tag == "Sub" {
        text.strip_prefix("${PaymentsTable.Arn}/")
            .map(str::to_owned)
    } else {
        None
    }
}

#[test]
fn string_like_is_iams_wildcard_match() {
    assert!(string_like("A#*#RCPT#*", "A#acct_1#RCPT#rcpt_2"));
    assert!(string_like("A#*#INVSEQ", "A#acct_1#INVSEQ"));
    assert!(!string_like("A#*#INVSEQ", "A#acct_1#INVSEQ#x"));
    assert!(!string_like("A#*#RCPT#*", "A#acct_1#MAILS#2026-12-05T04"));
    assert!(string_like("LINK#*", "LINK#pay_1"));
    assert!(!string_like("LINK#*", "KEY#abc"));
}

#[test]
fn the_template_is_read_into_grants() {
    let receipts = &policies()["send_receipts"];
    let updates = receipts
        .iter()
        .find(|grant| grant.actions.iter().any(|a| a == "dynamodb:UpdateItem"))
        .unwrap();
    assert_eq!(updates.resources, ["table"]);
    assert!(
        updates
            .leading_keys
            .as_ref()
            .unwrap()
            .contains(&"A#*#RCPT#*".to_owned())
    );
    let list = &policies()["list_payments"];
    assert!(list.iter().any(
        |grant| grant.resources.contains(&"index/*".to_owned()) && grant.leading_keys.is_none()
    ));
}
