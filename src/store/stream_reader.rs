//! The local stack's stand-in for Lambda's event source mapping: reads DynamoDB Local's stream
//! through the Streams API (DescribeStream, GetShardIterator, GetRecords) and hands the records
//! over as the Lambda DynamoDB event records `deliver_events` gets on AWS. Not used on AWS.

use std::collections::HashMap;

use aws_lambda_events::dynamodb::{EventRecord, StreamViewType};
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};

use super::client::{env_region, local_credentials};
use super::{Store, StoreError};
use crate::aws_http;

/// Where each shard is read from next; `None` once a closed shard has been read to its end.
pub struct StreamReader {
    client: Client,
    stream_arn: String,
    region: String,
    shards: HashMap<String, Option<String>>,
}

/// Records read by one GetRecords call at most (the Streams API's own limit).
const PAGE: i32 = 1000;

impl Store {
    /// A reader of this table's stream at `endpoint` (DynamoDB Local), starting at records written
    /// from now on.
    pub async fn stream_reader(&self, endpoint: &str) -> Result<StreamReader, StoreError> {
        let table = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let stream_arn = table
            .table()
            .and_then(|table| table.latest_stream_arn())
            .ok_or_else(|| StoreError::Internal(format!("table {} has no stream", self.table)))?
            .to_owned();
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
            .http_client(aws_http::http_client())
            .region(env_region())
            .credentials_provider(local_credentials())
            .endpoint_url(endpoint)
            .build();
        let mut reader = StreamReader {
            client: Client::from_conf(config),
            stream_arn,
            region: env_region().to_string(),
            shards: HashMap::new(),
        };
        reader.discover(ShardIteratorType::Latest).await?;
        Ok(reader)
    }
}

impl StreamReader {
    /// Starts reading shards not seen before: open ones from `start`; closed ones are skipped
    /// at the start (their records are from before the reader) and read from their beginning
    /// once the reader runs (a shard that closed while it was read).
    async fn discover(&mut self, start: ShardIteratorType) -> Result<(), StoreError> {
        let described = self
            .client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let shards = described
            .stream_description()
            .map(|description| description.shards().to_vec())
            .unwrap_or_default();
        for shard in shards {
            let Some(id) = shard.shard_id() else { continue };
            if self.shards.contains_key(id) {
                continue;
            }
            let closed = shard
                .sequence_number_range()
                .and_then(|range| range.ending_sequence_number())
                .is_some();
            let from = match (&start, closed) {
                (ShardIteratorType::Latest, true) => {
                    self.shards.insert(id.to_owned(), None);
                    continue;
                }
                (ShardIteratorType::Latest, false) => ShardIteratorType::Latest,
                _ => ShardIteratorType::TrimHorizon,
            };
            let iterator = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(id)
                .shard_iterator_type(from)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            self.shards
                .insert(id.to_owned(), iterator.shard_iterator().map(str::to_owned));
        }
        Ok(())
    }

    /// The records written since the last call, as Lambda would deliver them.
    pub async fn poll(&mut self) -> Result<Vec<EventRecord>, StoreError> {
        self.discover(ShardIteratorType::TrimHorizon).await?;
        let mut records = Vec::new();
        let mut shards: Vec<String> = self.shards.keys().cloned().collect();
        // Parent shards before their children: ids grow with time.
        shards.sort();
        for shard in shards {
            let Some(Some(iterator)) = self.shards.get(&shard).cloned() else {
                continue;
            };
            let page = self
                .client
                .get_records()
                .shard_iterator(iterator)
                .limit(PAGE)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            records.extend(
                page.records()
                    .iter()
                    .map(|record| self.lambda_record(record)),
            );
            self.shards
                .insert(shard, page.next_shard_iterator().map(str::to_owned));
        }
        Ok(records)
    }

    fn lambda_record(&self, record: &Record) -> EventRecord {
        let mut event = EventRecord::default();
        event.event_id = record.event_id().unwrap_or_default().to_owned();
        event.event_name = record
            .event_name()
            .map(|name| name.as_str().to_owned())
            .unwrap_or_default();
        event.event_source = Some("aws:dynamodb".to_owned());
        event.event_version = Some("1.1".to_owned());
        event.aws_region = self.region.clone();
        // DynamoDB Local's records lack it; Lambda's always carry it.
        event.event_source_arn = Some(self.stream_arn.clone());
        if let Some(change) = record.dynamodb() {
            event.change.keys = change.keys().cloned().unwrap_or_default().into();
            event.change.new_image = change.new_image().cloned().unwrap_or_default().into();
            event.change.old_image = change.old_image().cloned().unwrap_or_default().into();
            event.change.sequence_number = change.sequence_number().map(str::to_owned);
            event.change.size_bytes = change.size_bytes().unwrap_or_default();
            event.change.stream_view_type = Some(StreamViewType::NewAndOldImages);
        }
        event
    }
}
