use super::idempotency::KeyCompletion;
use super::items::{
    CustomerChangeItem, CustomerItem, ExternalIdItem, Item, from_item, string_key, to_item,
};
use super::paging::{Filter, IndexQuery};
use super::projection::Listed;
use super::write::{Bind, Condition, ConditionalUpdate, PRESENT, Transaction, Updated};
use super::{Store, StoreError, keys, rules, schema};
use crate::domain::customer::{Customer, CustomerChanges, CustomerRef, CustomerSearch};
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::text::ExternalId;
use crate::domain::time::Timestamp;

#[derive(Debug)]
pub enum InsertCustomerOutcome {
    Inserted,
    /// Another customer of the account already has this external id; nothing was written.
    DuplicateExternalId,
}

#[derive(Debug)]
pub enum UpdateCustomerOutcome {
    /// The customer as the update left it.
    Updated(Box<Customer>),
    /// The update gave what the customer has: nothing was written.
    Unchanged(Box<Customer>),
    NotFound,
    /// Another customer of the account holds the external id asked for; nothing was written.
    DuplicateExternalId,
}

/// How often an update is tried when another write got in between its read (of the customer,
/// or of the external id it was named by) and its own; each try is at most two reads and one
/// write, so contention ends within a few.
const UPDATE_TRIES: usize = 3;

/// The customer an update writes: by id, or by the external id it was resolved from.
struct Target<'a> {
    account: &'a AccountId,
    id: &'a CustomerId,
    named: Option<&'a ExternalId>,
}

/// The customer exists and still holds the external id it was named by (`:named`).
const STILL_NAMED: &str = "attribute_exists(pk) AND externalId = :named";

/// The attributes an update may change, each with whether `changes` touches it.
fn touched(changes: &CustomerChanges) -> [(&'static str, bool); 8] {
    [
        ("email", changes.email.is_some()),
        ("externalId", changes.external_id.is_some()),
        ("fullName", changes.full_name.is_some()),
        ("taxDocument", changes.tax_document.is_some()),
        ("address", changes.address.is_some()),
        ("timezone", changes.timezone.is_some()),
        ("metadata", changes.metadata.is_some()),
        ("archived", changes.archived.is_some()),
    ]
}

/// The write of an update: each attribute `changes` touches set from `values` (or removed,
/// when cleared there), the time set and the write counter moved, all only if `condition` holds.
fn customer_update(
    account: &AccountId,
    values: &Item,
    changes: &CustomerChanges,
    condition: &str,
) -> Result<ConditionalUpdate, StoreError> {
    let mut set = vec!["#updatedAt = :updatedAt".to_owned()];
    let mut remove = Vec::new();
    let mut bound = Vec::new();
    let mut named = Vec::new();
    for (attribute, _) in touched(changes).into_iter().filter(|(_, touched)| *touched) {
        named.push(attribute);
        match values.get(attribute) {
            Some(value) => {
                set.push(format!("#{attribute} = :{attribute}"));
                bound.push((attribute, value.clone()));
            }
            None => remove.push(format!("#{attribute}")),
        }
    }
    // A new e-mail moves the customer in the index by address too. That move alone is not a
    // change: `differs` leaves it out, so it rides along with one.
    if changes.email.is_some() {
        set.push(rules::INTO_ADDRESS_PARTITION.to_owned());
    }
    let mut expression = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    expression.push_str(" ADD #version :one");
    let updated_at = values
        .get("updatedAt")
        .cloned()
        .ok_or_else(|| StoreError::Internal("customer change without updatedAt".into()))?;
    let mut change = ConditionalUpdate::new(expression, condition)
        .number(":one", 1)
        .name("#version", "version")
        .name("#updatedAt", "updatedAt")
        .value(":updatedAt", updated_at);
    for attribute in named {
        change = change.name(&format!("#{attribute}"), attribute);
    }
    for (attribute, value) in bound {
        change = change.value(&format!(":{attribute}"), value);
    }
    if let Some(email) = &changes.email {
        change = rules::in_address_partition(change, account, email);
    }
    Ok(change)
}

/// "Something would change": for each attribute `changes` touches, that the customer holds
/// another value than `values` gives it (or, for one cleared, holds one at all). DynamoDB
/// compares maps (address, metadata) whole, and refuses parentheses it does not need, so the
/// tests are one flat disjunction, parenthesized only when it has more than one.
fn differs(values: &Item, changes: &CustomerChanges) -> String {
    let tests: Vec<String> = touched(changes)
        .into_iter()
        .filter(|(_, touched)| *touched)
        .map(|(attribute, _)| match values.get(attribute) {
            Some(_) => {
                format!("attribute_not_exists(#{attribute}) OR #{attribute} <> :{attribute}")
            }
            None => format!("attribute_exists(#{attribute})"),
        })
        .collect();
    match tests.as_slice() {
        [single] if !single.contains(" OR ") => single.clone(),
        tests => format!("({})", tests.join(" OR ")),
    }
}

/// What one conditional write of the customer came to; `None` when its condition failed on a
/// customer that exists, so the update should be tried again.
fn outcome_of(written: Updated<Item>) -> Result<Option<UpdateCustomerOutcome>, StoreError> {
    Ok(match written {
        Updated::Applied(item) => Some(UpdateCustomerOutcome::Updated(Box::new(customer_from(
            item,
        )?))),
        Updated::Refused(None) => Some(UpdateCustomerOutcome::NotFound),
        Updated::Refused(Some(_)) => None,
    })
}

pub(super) fn position_of(customer: &Customer) -> Position {
    Position {
        created_at: customer.created_at,
        id: customer.id.to_string(),
    }
}

pub(crate) fn customer_from(item: Item) -> Result<Customer, StoreError> {
    from_item::<CustomerItem>(item)?.into_domain()
}

pub(crate) fn customer_key(account: &AccountId, id: &CustomerId) -> Item {
    string_key(keys::customer(account, id), keys::CUSTOMER_SK)
}

/// The item that holds an external id for one customer of the account.
fn external_id_item(
    account: &AccountId,
    external: &ExternalId,
    customer: &Customer,
) -> Result<Item, StoreError> {
    to_item(&ExternalIdItem {
        pk: keys::external_id(account, external),
        sk: keys::EXTERNAL_ID_SK.to_owned(),
        customer_id: customer.id.to_string(),
    })
}

impl Store {
    /// Writes a new customer. With an external id, one transaction writes the customer and the
    /// item that claims the external id, each only if absent: two concurrent creates with the
    /// same external id cannot both succeed.
    pub async fn insert_customer(
        &self,
        account: &AccountId,
        customer: &Customer,
        completion: Option<&KeyCompletion<'_, Customer>>,
    ) -> Result<InsertCustomerOutcome, StoreError> {
        let item = to_item(&CustomerItem::new(account, customer))?;
        if customer.external_id.is_none() && completion.is_none() {
            return self
                .put_new(item)
                .await
                .map(|()| InsertCustomerOutcome::Inserted);
        }
        let mut transaction = Transaction::new(self).token(customer.id.to_string());
        transaction.put_if_absent(item)?;
        let external_claim = match &customer.external_id {
            Some(external) => {
                Some(transaction.put_if_absent(external_id_item(account, external, customer)?)?)
            }
            None => None,
        };
        transaction.join(completion.map(|c| c as _), customer)?;
        Ok(if self.commit_unless(transaction, external_claim).await? {
            InsertCustomerOutcome::Inserted
        } else {
            InsertCustomerOutcome::DuplicateExternalId
        })
    }

    /// By `cus_` id: one GetItem. By external id: a consistent read of the claim item, then of
    /// the customer (two GetItems), so a customer is found the moment its create returned.
    pub async fn get_customer(
        &self,
        account: &AccountId,
        reference: &CustomerRef,
    ) -> Result<Option<Customer>, StoreError> {
        let id = match reference {
            CustomerRef::Id(id) => id.clone(),
            CustomerRef::External(external) => {
                match self.resolve_external_id(account, external).await? {
                    Some(id) => id,
                    None => return Ok(None),
                }
            }
        };
        self.get_customer_by_id(account, &id).await
    }

    pub async fn get_customer_by_id(
        &self,
        account: &AccountId,
        id: &CustomerId,
    ) -> Result<Option<Customer>, StoreError> {
        let item = self.get_consistent(customer_key(account, id)).await?;
        item.map(customer_from).transpose()
    }

    /// Changes the fields given of the customer `reference` names; an update that gives only
    /// what the customer has writes nothing (`Unchanged`). Without an external id among them,
    /// ONE UpdateItem of those fields if the customer exists and any of them differs: nothing
    /// else changes with it, so nothing need be read first. With one, the customer is read
    /// (one consistent GetItem) for the external id it holds and written only if no other
    /// write came in between: one UpdateItem when the external id stays, else one
    /// transaction that also claims the new external id (only if free) and gives up the old
    /// one. A customer named by external id is resolved first (one GetItem) and written only
    /// while it still holds it. A try that another write overtook is made again, up to
    /// `UPDATE_TRIES` times.
    pub async fn update_customer(
        &self,
        account: &AccountId,
        reference: &CustomerRef,
        changes: &CustomerChanges,
        now: Timestamp,
    ) -> Result<UpdateCustomerOutcome, StoreError> {
        let values = to_item(&CustomerChangeItem::new(changes, now))?;
        for _ in 0..UPDATE_TRIES {
            let (id, named) = match reference {
                CustomerRef::Id(id) => (id.clone(), None),
                CustomerRef::External(external) => {
                    match self.resolve_external_id(account, external).await? {
                        Some(id) => (id, Some(external)),
                        None => return Ok(UpdateCustomerOutcome::NotFound),
                    }
                }
            };
            let target = Target {
                account,
                id: &id,
                named,
            };
            let outcome = if changes.external_id.is_none() {
                self.update_fields(&target, changes, &values).await?
            } else {
                self.update_with_external_id(&target, changes, &values, now)
                    .await?
            };
            if let Some(outcome) = outcome {
                return Ok(outcome);
            }
        }
        Err(StoreError::Unavailable(format!(
            "customer {} kept changing under {UPDATE_TRIES} updates",
            reference.as_str()
        )))
    }

    /// ONE UpdateItem of the fields given, if any differs (the item it refused tells which
    /// condition failed). `None` when the external id the customer was named by has moved to
    /// another since it was resolved.
    async fn update_fields(
        &self,
        target: &Target<'_>,
        changes: &CustomerChanges,
        values: &Item,
    ) -> Result<Option<UpdateCustomerOutcome>, StoreError> {
        let exists = target.named.map_or(PRESENT, |_| STILL_NAMED);
        let condition = format!("{exists} AND {}", differs(values, changes));
        let mut update = customer_update(target.account, values, changes, &condition)?;
        if let Some(named) = target.named {
            update = update.text(":named", named.as_str());
        }
        let written = self
            .update_conditionally(customer_key(target.account, target.id), update)
            .await?;
        match written {
            // The customer exists: either it no longer holds the external id it was named by,
            // or it holds every value given already.
            Updated::Refused(Some(item)) => {
                let customer = customer_from(item)?;
                let still_named = target
                    .named
                    .is_none_or(|named| customer.external_id.as_ref() == Some(named));
                Ok(still_named.then(|| UpdateCustomerOutcome::Unchanged(Box::new(customer))))
            }
            written => outcome_of(written),
        }
    }

    /// The read, then the write conditional on the customer's write counter (with the claims
    /// moved when the external id does). `None` when another write got in between, or the
    /// external id the customer was named by has moved on.
    async fn update_with_external_id(
        &self,
        target: &Target<'_>,
        changes: &CustomerChanges,
        values: &Item,
        now: Timestamp,
    ) -> Result<Option<UpdateCustomerOutcome>, StoreError> {
        let key = customer_key(target.account, target.id);
        let Some(item) = self.get_consistent(key.clone()).await? else {
            return Ok(Some(UpdateCustomerOutcome::NotFound));
        };
        let stored: CustomerItem = from_item(item)?;
        if let Some(named) = target.named
            && stored.external_id.as_deref() != Some(named.as_str())
        {
            return Ok(None);
        }
        let version = stored.version;
        let before = stored.into_domain()?;
        if !changes.change_anything_of(&before) {
            return Ok(Some(UpdateCustomerOutcome::Unchanged(Box::new(before))));
        }
        let update = customer_update(target.account, values, changes, "#version = :read")?
            .number(":read", version);
        if changes.moves_external_id(&before) {
            let after = before.changed(changes, now);
            return self
                .move_external_id(target.account, &before, &after, update)
                .await;
        }
        outcome_of(self.update_conditionally(key, update).await?)
    }

    /// One transaction: the customer's `update`, the new external id claimed if free, the old
    /// claim deleted if it is still this customer's. `None` when it should be tried again.
    async fn move_external_id(
        &self,
        account: &AccountId,
        before: &Customer,
        after: &Customer,
        update: ConditionalUpdate,
    ) -> Result<Option<UpdateCustomerOutcome>, StoreError> {
        let mut transaction = Transaction::new(self);
        let customer = transaction.update(customer_key(account, &before.id), update)?;
        let claim = match &after.external_id {
            Some(external) => {
                Some(transaction.put_if_absent(external_id_item(account, external, after)?)?)
            }
            None => None,
        };
        if let Some(old) = &before.external_id {
            transaction.delete_if(
                string_key(keys::external_id(account, old), keys::EXTERNAL_ID_SK),
                Condition::new("customerId = :customer").text(":customer", before.id.as_str()),
            )?;
        }
        match self.commit(transaction).await? {
            Ok(()) => Ok(Some(UpdateCustomerOutcome::Updated(Box::new(
                after.clone(),
            )))),
            // Overtaken by another write of the customer, or by another transaction on the
            // same items: read again.
            Err(refusal) if refusal.failed(customer) || refusal.contended() => Ok(None),
            Err(refusal) if claim.is_some_and(|claim| refusal.failed(claim)) => {
                Ok(Some(UpdateCustomerOutcome::DuplicateExternalId))
            }
            Err(refusal) => Err(refusal.into_error()),
        }
    }

    /// Records the customer's customer at the provider, unless one is recorded already (two
    /// first payments racing keep the first) other than `in_place_of` (one the provider no
    /// longer has), by one conditional write: false when another is kept (or the customer is
    /// not there). Changes nothing a merchant sees: no event. It is a write like any other for
    /// the write counter, which names what the stream's workers do for it
    /// (`sync_stripe_customers`' idempotency keys).
    pub async fn set_provider_customer(
        &self,
        account: &AccountId,
        id: &CustomerId,
        provider_customer: &str,
        in_place_of: Option<&str>,
    ) -> Result<bool, StoreError> {
        // None recorded: also a customer whose one was known only from their saved card.
        let unrecorded = "attribute_not_exists(providerCustomer)";
        let condition = match in_place_of {
            Some(_) => {
                format!("attribute_exists(pk) AND ({unrecorded} OR providerCustomer = :gone)")
            }
            None => format!("attribute_exists(pk) AND {unrecorded}"),
        };
        let change = ConditionalUpdate::new(
            "SET providerCustomer = :provider ADD #version :one",
            condition,
        )
        .name("#version", "version")
        .text(":provider", provider_customer)
        .number(":one", 1);
        let change = match in_place_of {
            Some(gone) => change.text(":gone", gone),
            None => change,
        };
        self.update_if(customer_key(account, id), change).await
    }

    /// Puts the account's customers written before the index by address into it; answers how
    /// many. Reads the account's customers for those not there, page after page, and gives each
    /// a conditional UpdateItem under the address read (`rules::index_customer_by_email`), so
    /// it may run beside live traffic, and again.
    pub async fn index_customers_by_email(&self, account: &AccountId) -> Result<u64, StoreError> {
        let listing = keys::account_customers(account);
        self.backfill_index(
            listing,
            keys::GSI2_PK,
            position_of,
            customer_from,
            |customer| {
                let change = rules::index_customer_by_email(account, &customer.email);
                Some((customer_key(account, &customer.id), change))
            },
        )
        .await
    }

    /// The `cus_` id that holds an external id, by one consistent GetItem.
    pub async fn resolve_external_id(
        &self,
        account: &AccountId,
        external: &ExternalId,
    ) -> Result<Option<CustomerId>, StoreError> {
        let item = self
            .get_consistent(string_key(
                keys::external_id(account, external),
                keys::EXTERNAL_ID_SK,
            ))
            .await?;
        let Some(item) = item else {
            return Ok(None);
        };
        let claim: ExternalIdItem = from_item(item)?;
        CustomerId::parse(&claim.customer_id)
            .map(Some)
            .map_err(StoreError::corrupt)
    }

    /// Newest first: the account's customers, only the archived ones or only the others, and
    /// only those `search` matches. DynamoDB cannot match a part of a text in any case, so a
    /// search reads the customers and matches them here, a page reading at most
    /// `READS_PER_PAGE` of them: one that finds few in a large account ends short, even empty,
    /// with a cursor to go on from.
    pub async fn list_customers(
        &self,
        account: &AccountId,
        archived: Option<bool>,
        search: Option<&CustomerSearch>,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        let filter = archived.map(|present| Filter::Present {
            attribute: "archived",
            present,
        });
        self.query_page_keeping(
            IndexQuery::of(&schema::BY_ACCOUNT, keys::account_customers(account))
                .projected(CustomerItem::projection())
                .filtered(filter.as_ref()),
            page,
            position_of,
            customer_from,
            |customer| search.is_none_or(|search| search.matches(customer)),
        )
        .await
    }

    /// Writes a customer and its external-id claim unconditionally (fixtures only).
    pub async fn put_customer_fixture(
        &self,
        account: &AccountId,
        customer: &Customer,
    ) -> Result<(), StoreError> {
        if let Some(external) = &customer.external_id {
            self.put(external_id_item(account, external, customer)?)
                .await?;
        }
        self.put(to_item(&CustomerItem::new(account, customer))?)
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::address::{Address, CountryCode};
    use crate::domain::text::{Email, ScalarMetadata, TaxDocument};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    /// An update writes, for each field it touches, what the whole customer's item would hold:
    /// the change item and the customer item name and map each attribute alike.
    #[test]
    fn a_change_writes_what_the_changed_customer_item_holds() {
        let account = AccountId::generate();
        let now = at("2026-01-02T00:00:00.000Z");
        let changes = CustomerChanges {
            email: Some(Email::parse("g@example.org").unwrap()),
            external_id: Some(Some(ExternalId::parse("user-8").unwrap())),
            full_name: Some(None),
            tax_document: Some(Some(TaxDocument::parse("20-12345678-9").unwrap())),
            address: Some(Some(Address {
                line1: Some("1 Main St".into()),
                line2: None,
                city: Some("Oakland".into()),
                state: Some("CA".into()),
                postal_code: Some("94607".into()),
                country: CountryCode::parse("US").unwrap(),
            })),
            timezone: Some(None),
            metadata: Some(Some(
                ScalarMetadata::new(BTreeMap::from([
                    ("tier".into(), "gold".into()),
                    ("seats".into(), 5.into()),
                    ("beta".into(), true.into()),
                    ("ratio".into(), 0.25.into()),
                    ("none".into(), serde_json::Value::Null),
                ]))
                .unwrap(),
            )),
            archived: Some(true),
        };
        let written = to_item(&CustomerChangeItem::new(&changes, now)).unwrap();
        let whole = to_item(&CustomerItem::new(
            &account,
            &Customer::example().changed(&changes, now),
        ))
        .unwrap();
        for (attribute, touched) in touched(&changes) {
            assert!(touched, "{attribute}");
            assert_eq!(written.get(attribute), whole.get(attribute), "{attribute}");
        }
        assert_eq!(written.get("updatedAt"), whole.get("updatedAt"));
        assert!(written.contains_key("address") && !written.contains_key("fullName"));
        assert_eq!(written.len(), 7, "{written:?}");
        // The new e-mail moves the customer in the index by address, to the partition a new
        // customer with it is put in, at its place in the account's customers.
        let update = customer_update(&account, &written, &changes, PRESENT).unwrap();
        let update = format!("{update:?}");
        assert!(update.contains(rules::INTO_ADDRESS_PARTITION), "{update}");
        let Some(aws_sdk_dynamodb::types::AttributeValue::S(partition)) = whole.get(keys::GSI2_PK)
        else {
            panic!("{whole:?}");
        };
        assert!(update.contains(&format!("{partition:?}")), "{update}");
        assert_eq!(whole.get(keys::GSI2_SK), whole.get(keys::GSI1_SK));
    }

    #[test]
    fn a_restore_removes_the_archived_mark_and_an_archive_sets_it() {
        let now = at("2026-01-02T00:00:00.000Z");
        for (archived, expected) in [(false, "REMOVE #archived"), (true, "#archived = :archived")] {
            let changes = CustomerChanges {
                archived: Some(archived),
                ..CustomerChanges::default()
            };
            let written = to_item(&CustomerChangeItem::new(&changes, now)).unwrap();
            let update = format!(
                "{:?}",
                customer_update(&AccountId::generate(), &written, &changes, PRESENT).unwrap()
            );
            assert!(update.contains(expected), "{update}");
        }
    }

    #[test]
    fn an_untouched_field_is_neither_set_nor_removed() {
        let changes = CustomerChanges {
            full_name: Some(None),
            ..CustomerChanges::default()
        };
        let written = to_item(&CustomerChangeItem::new(
            &changes,
            at("2026-01-02T00:00:00.000Z"),
        ))
        .unwrap();
        let update = customer_update(&AccountId::generate(), &written, &changes, PRESENT).unwrap();
        let expression = format!("{update:?}");
        assert!(expression.contains("REMOVE #fullName"), "{expression}");
        for untouched in [
            "#email",
            "#externalId",
            "#address",
            "#timezone",
            "#metadata",
            "#archived",
            "#byEmail",
        ] {
            assert!(!expression.contains(untouched), "{expression}");
        }
    }
}
