//! An item's size as DynamoDB counts it for capacity units and its 400 KB limit, after its
//! "Item sizes and formats" guide: each attribute's name plus its value's size.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// The size in bytes of `item`: capacity units are whole 1 KB (writes) or 4 KB (reads) of it.
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    // Each element of a list or map costs a byte beside its own size; the container three.
    const CONTAINER: usize = 3;
    const ELEMENT: usize = 1;
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number_size(number),
        AttributeValue::B(blob) => blob.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
        AttributeValue::Ns(numbers) => numbers.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(blobs) => blobs.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(list) => {
            CONTAINER + list.iter().map(|v| value_size(v) + ELEMENT).sum::<usize>()
        }
        AttributeValue::M(map) => {
            CONTAINER
                + map
                    .iter()
                    .map(|(name, v)| name.len() + value_size(v) + ELEMENT)
                    .sum::<usize>()
        }
        // A type newer than this code: counted as its largest scalar would be, a guess that
        // errs high rather than low.
        _ => 400 * 1024,
    }
}

/// A number: a byte per two significant digits, leading and trailing zeros trimmed, plus one.
fn number_size(number: &str) -> usize {
    let mantissa = number
        .split(['e', 'E'])
        .next()
        .unwrap_or_default()
        .trim_start_matches(['-', '+']);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::primitives::Blob;

    use super::*;

    fn item(pairs: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect()
    }

    #[test]
    fn scalars_are_their_names_plus_their_bytes() {
        let s = |t: &str| AttributeValue::S(t.into());
        assert_eq!(item_size(&item(&[("pk", s("acct#1"))])), 2 + 6);
        // UTF-8 bytes, not characters.
        assert_eq!(item_size(&item(&[("d", s("café"))])), 1 + 5);
        assert_eq!(
            item_size(&item(&[("ok", AttributeValue::Bool(true))])),
            2 + 1
        );
        assert_eq!(
            item_size(&item(&[("b", AttributeValue::B(Blob::new(vec![0; 16])))])),
            1 + 16
        );
    }

    #[test]
    fn numbers_count_significant_digits_in_pairs() {
        assert_eq!(number_size("0"), 1);
        assert_eq!(number_size("7"), 2);
        assert_eq!(number_size("2500"), 2); // "25": zeros trimmed
        assert_eq!(number_size("-12345"), 4);
        assert_eq!(number_size("0.00123"), 3);
        assert_eq!(number_size("1764547200000"), 5); // "17645472"
        assert_eq!(number_size("1.5E+10"), 2);
    }

    #[test]
    fn sets_are_their_members_and_containers_carry_overhead() {
        let hashes = AttributeValue::Ss(vec!["a".repeat(64), "b".repeat(64)]);
        assert_eq!(item_size(&item(&[("keyHashes", hashes)])), 9 + 128);
        let list = AttributeValue::L(vec![AttributeValue::S("ab".into())]);
        assert_eq!(item_size(&item(&[("l", list)])), 1 + 3 + 2 + 1);
        let map = AttributeValue::M(HashMap::from([(
            "rate".to_string(),
            AttributeValue::N("825".into()),
        )]));
        assert_eq!(item_size(&item(&[("m", map)])), 1 + 3 + 4 + 3 + 1);
        assert_eq!(
            item_size(&item(&[("e", AttributeValue::M(HashMap::new()))])),
            1 + 3
        );
    }
}
