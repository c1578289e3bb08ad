use super::idempotency::KeyCompletion;
use super::items::{CustomerItem, ExternalIdItem, Item, from_item, string_key, to_item};
use super::paging::Partition;
use super::projection::Listed;
use super::write::{Bind, ConditionalUpdate, Transaction};
use super::{Store, StoreError, keys, schema};
use crate::domain::customer::{Customer, CustomerRef};
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::text::ExternalId;

#[derive(Debug)]
pub enum InsertCustomerOutcome {
    Inserted,
    /// Another customer of the account already has this external id; nothing was written.
    DuplicateExternalId,
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
