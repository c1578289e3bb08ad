//! The table's shape, written once: `admin create-table` builds the table from it, and a test
//! holds `template.yaml` to the same definition.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};

use super::{Store, StoreError, keys};

/// A secondary index: name, partition key attribute, sort key attribute. All project every
/// attribute, so a listing never needs a second read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [IndexDefinition],
    pub ttl_attribute: &'static str,
    /// The stream is the outbox of events: each record carries the item before and after.
    pub stream_view: &'static str,
}

/// An account's objects of one kind (payments, customers, invoices, keys; all accounts), newest
/// first.
pub const BY_ACCOUNT: IndexDefinition = IndexDefinition {
    name: keys::GSI1,
    partition_key: keys::GSI1_PK,
    sort_key: keys::GSI1_SK,
};

/// One customer's payments or invoices, newest first; and, in its `WHDUE` partition, pending
/// webhook deliveries by when they are due.
pub const BY_CUSTOMER: IndexDefinition = IndexDefinition {
    name: keys::GSI2,
    partition_key: keys::GSI2_PK,
    sort_key: keys::GSI2_SK,
};

/// An account's invoices of one status, newest first: a list narrowed by status reads only what
/// it answers.
pub const BY_STATUS: IndexDefinition = IndexDefinition {
    name: keys::GSI3,
    partition_key: keys::GSI3_PK,
    sort_key: keys::GSI3_SK,
};

/// An account's transactions of one status, newest started first: a list of transactions
/// narrowed by status reads only what it answers.
pub const BY_TRANSACTION_STATUS: IndexDefinition = IndexDefinition {
    name: keys::GSI4,
    partition_key: keys::GSI4_PK,
    sort_key: keys::GSI4_SK,
};

pub const TABLE: TableDefinition = TableDefinition {
    partition_key: keys::PK,
    sort_key: keys::SK,
    indexes: &[BY_ACCOUNT, BY_CUSTOMER, BY_STATUS, BY_TRANSACTION_STATUS],
    ttl_attribute: keys::TTL,
    stream_view: "NEW_AND_OLD_IMAGES",
};

impl TableDefinition {
    /// Every key attribute (table and indexes); all are strings.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.partition_key, self.sort_key];
        for index in self.indexes {
            names.push(index.partition_key);
            names.push(index.sort_key);
        }
        names
    }
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(StoreError::build)
}

impl Store {
    /// Creates the table (on-demand) with its indexes and TTL, unless it already exists.
    /// Returns whether it was created.
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let mut request = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(TABLE.stream_view))
                    .build()
                    .map_err(StoreError::build)?,
            )
            .key_schema(key(TABLE.partition_key, KeyType::Hash)?)
            .key_schema(key(TABLE.sort_key, KeyType::Range)?);
        for name in TABLE.key_attributes() {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(StoreError::build)?,
            );
        }
        for index in TABLE.indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .key_schema(key(index.partition_key, KeyType::Hash)?)
                    .key_schema(key(index.sort_key, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(StoreError::build)?,
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                return Ok(false);
            }
            Err(error) => return Err(StoreError::from_sdk(error)),
        }
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(TABLE.ttl_attribute)
                    .enabled(true)
                    .build()
                    .map_err(StoreError::build)?,
            )
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(true)
    }

    /// Deletes the table. Used by tests and local tooling only.
    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }
}
