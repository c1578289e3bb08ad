use super::idempotency::KeyCompletion;
use super::items::{CustomerItem, ExternalIdItem, Item, from_item, string_key, to_item};
use super::paging::Partition;
use super::projection::Listed;
use super::write::{Bind, Condition, ConditionalUpdate, Transaction, Updated};
use super::{Store, StoreError, keys, schema};
use crate::domain::customer::{Customer, CustomerChanges, CustomerRef};
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
    NotFound,
    /// Another customer of the account holds the external id asked for; nothing was written.
    DuplicateExternalId,
}

/// How often an update reads the customer again when another write got in between its read
/// and its own; each try is one read and one write, so contention ends within a few.
const UPDATE_TRIES: usize = 3;

/// The attributes an update may change, each with whether `changes` touches it.
fn touched(changes: &CustomerChanges) -> [(&'static str, bool); 6] {
    [
        ("email", changes.email.is_some()),
        ("externalId", changes.external_id.is_some()),
        ("fullName", changes.full_name.is_some()),
        ("address", changes.address.is_some()),
        ("timezone", changes.timezone.is_some()),
        ("metadata", changes.metadata.is_some()),
    ]
}

/// The write of an update: each attribute touched set from `item`, the customer as it will be
/// (or removed, when cleared there), the time and the write counter moved, all only if no other
/// write came after the read that saw `version`.
fn customer_update(
    item: &Item,
    changes: &CustomerChanges,
    version: u64,
) -> Result<ConditionalUpdate, StoreError> {
    let mut set = vec!["#updatedAt = :updatedAt".to_owned()];
    let mut remove = Vec::new();
    let mut bound = Vec::new();
    let mut named = Vec::new();
    for (attribute, _) in touched(changes).into_iter().filter(|(_, touched)| *touched) {
        named.push(attribute);
        match item.get(attribute) {
            Some(value) => {
                set.push(format!("#{attribute} = :{attribute}"));
                bound.push((attribute, value.clone()));
            }
            None => remove.push(format!("#{attribute}")),
        }
    }
    let mut expression = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    expression.push_str(" ADD #version :one");
    let updated_at = item
        .get("updatedAt")
        .cloned()
        .ok_or_else(|| StoreError::Internal("customer item without updatedAt".into()))?;
    let mut change = if version == 0 {
        // Items written before the counter existed have none: unchanged means still none.
        ConditionalUpdate::new(
            expression,
            "attribute_exists(pk) AND attribute_not_exists(#version)",
        )
    } else {
        ConditionalUpdate::new(expression, "#version = :read").number(":read", version)
    }
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
    Ok(change)
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

    /// Changes the fields given of the customer `id`. Each try reads the customer (one
    /// consistent GetItem) and writes it only if no other write came in between: ONE
    /// conditional UpdateItem, or, when the external id moves, one transaction that also
    /// claims the new external id (only if free) and gives up the old one. A try that another
    /// write overtook is made again, up to `UPDATE_TRIES` times.
    pub async fn update_customer(
        &self,
        account: &AccountId,
        id: &CustomerId,
        changes: &CustomerChanges,
        now: Timestamp,
    ) -> Result<UpdateCustomerOutcome, StoreError> {
        for _ in 0..UPDATE_TRIES {
            let Some(item) = self.get_consistent(customer_key(account, id)).await? else {
                return Ok(UpdateCustomerOutcome::NotFound);
            };
            let stored: CustomerItem = from_item(item)?;
            let version = stored.version;
            let before = stored.into_domain()?;
            let after = before.changed(changes, now);
            let item = to_item(&CustomerItem::new(account, &after))?;
            let update = customer_update(&item, changes, version)?;
            let outcome = if changes.moves_external_id(&before) {
                self.move_external_id(account, &before, &after, update)
                    .await?
            } else {
                match self
                    .update_conditionally(customer_key(account, id), update)
                    .await?
                {
                    Updated::Applied(item) => Some(UpdateCustomerOutcome::Updated(Box::new(
                        customer_from(item)?,
                    ))),
                    Updated::Refused(None) => Some(UpdateCustomerOutcome::NotFound),
                    Updated::Refused(Some(_)) => None,
                }
            };
            if let Some(outcome) = outcome {
                return Ok(outcome);
            }
        }
        Err(StoreError::Unavailable(format!(
            "customer {id} kept changing under {UPDATE_TRIES} updates"
        )))
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
    /// first payments racing keep the first). Changes nothing a merchant sees: no event.
    pub async fn set_provider_customer(
        &self,
        account: &AccountId,
        id: &CustomerId,
        provider_customer: &str,
    ) -> Result<(), StoreError> {
        let change = ConditionalUpdate::new(
            "SET providerCustomer = :provider",
            "attribute_exists(pk) AND attribute_not_exists(providerCustomer)",
        )
        .text(":provider", provider_customer);
        self.update_conditionally(customer_key(account, id), change)
            .await
            .map(|_| ())
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

    /// Newest first.
    pub async fn list_customers(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        self.query_page(
            Partition::of(&schema::BY_ACCOUNT, keys::account_customers(account)),
            Some(CustomerItem::projection()),
            None,
            page,
            |customer: &Customer| Position {
                created_at: customer.created_at,
                id: customer.id.to_string(),
            },
            customer_from,
        )
        .await
    }
}

impl Store {
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
