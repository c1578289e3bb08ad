//! Text that merchants and payers wrote, set inside this service's own English sentences (a
//! mail's subject, its plain-text part), where HTML's `<bdi>` is not available.
//!
//! Left as it is, a right-to-left name pulls the words after it into its run: "Invoice INV-0001
//! from חנות: $25.00 due" shows its amount before the name, and an override (U+202E) in a name
//! turns the rest of the line around. Such text is set between a first-strong isolate (U+2068)
//! and its pop (U+2069), which the Unicode bidirectional algorithm (UAX #9) orders as one
//! neutral character seen from outside, with its own direction inside, as `<bdi>` does. Text that
//! cannot change anything around it is left as written, so Latin mail carries no marks a reader
//! might draw as boxes.

use std::borrow::Cow;

use unicode_bidi::{BidiClass, bidi_class};

const FIRST_STRONG_ISOLATE: char = '\u{2068}';
const POP_DIRECTIONAL_ISOLATE: char = '\u{2069}';

/// `text` isolated from the sentence around it where it needs to be: each of its paragraphs
/// (isolates end at a line break) that holds a right-to-left letter, an Arabic digit or a
/// directional control.
pub fn isolated(text: &str) -> Cow<'_, str> {
    if !text.chars().any(steers_direction) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive(is_paragraph_break) {
        let words = line.strip_suffix(is_paragraph_break).unwrap_or(line);
        if words.chars().any(steers_direction) {
            push_isolated(&mut out, words);
        } else {
            out.push_str(words);
        }
        out.push_str(&line[words.len()..]);
    }
    Cow::Owned(out)
}

fn is_paragraph_break(c: char) -> bool {
    bidi_class(c) == BidiClass::B
}

/// Whether `c` can change the direction of text around it (none below U+0590, Hebrew's start).
fn steers_direction(c: char) -> bool {
    use BidiClass::*;
    c >= '\u{0590}'
        && matches!(
            bidi_class(c),
            R | AL | AN | LRE | RLE | LRO | RLO | PDF | LRI | RLI | FSI | PDI
        )
}

/// `words` (one paragraph) between an isolate and its pop, balanced so that nothing in it can
/// close the isolate early (a pop with no isolate of its own opened in `words` is left out) or
/// leave one of its own open past the end (each is popped).
fn push_isolated(out: &mut String, words: &str) {
    out.push(FIRST_STRONG_ISOLATE);
    let mut open = 0usize;
    for c in words.chars() {
        match bidi_class(c) {
            BidiClass::LRI | BidiClass::RLI | BidiClass::FSI => open += 1,
            BidiClass::PDI if open == 0 => continue,
            BidiClass::PDI => open -= 1,
            _ => {}
        }
        out.push(c);
    }
    out.extend(std::iter::repeat_n(POP_DIRECTIONAL_ISOLATE, open + 1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_bidi::{BidiInfo, Level};

    /// The embedding level of each character of `sentence` outside `inner` (a byte range),
    /// each paragraph's direction found as a reader finds it (its first strong letter outside
    /// isolates, else left to right).
    fn levels_outside(sentence: &str, inner: std::ops::Range<usize>) -> Vec<Level> {
        let info = BidiInfo::new(sentence, None);
        sentence
            .char_indices()
            .filter(|(at, _)| !inner.contains(at))
            .map(|(at, _)| info.levels[at])
            .collect()
    }

    /// Whether `value`, set in English as the mail sets it, leaves every English character
    /// left to right (level 0) in both the subject and a plain-text line.
    fn leaves_english_alone(value: &str) -> bool {
        [("Invoice INV-0001 from ", ": $25.00 due"), ("", ": $25.00")]
            .iter()
            .all(|(before, after)| {
                let sentence = format!("{before}{value}{after}");
                let inner = before.len()..before.len() + value.len();
                levels_outside(&sentence, inner)
                    .iter()
                    .all(|&level| level == Level::ltr())
            })
    }

    #[test]
    fn a_right_to_left_name_left_as_it_is_pulls_the_amount_into_its_run() {
        assert!(!leaves_english_alone("חנות"));
        assert!(!leaves_english_alone("Shop\u{202E}"));
        assert!(leaves_english_alone(&isolated("חנות")));
        assert!(leaves_english_alone(&isolated("Shop\u{202E}")));
    }

    #[test]
    fn latin_text_is_left_as_written() {
        for text in [
            "Ada's Shop",
            "Ünïcödé & Co (Ltd)",
            "Ελληνικά",
            "Кириллица",
            "東京",
            "",
        ] {
            assert!(matches!(isolated(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn right_to_left_text_is_isolated_whole() {
        assert_eq!(isolated("חנות דוד"), "\u{2068}חנות דוד\u{2069}");
        assert_eq!(isolated("متجر 1"), "\u{2068}متجر 1\u{2069}");
        assert_eq!(isolated("Order ١٢٣"), "\u{2068}Order ١٢٣\u{2069}");
    }

    #[test]
    fn each_line_is_isolated_on_its_own() {
        assert_eq!(isolated("Shop\nחנות\r\n"), "Shop\n\u{2068}חנות\u{2069}\r\n");
    }

    #[test]
    fn a_stray_pop_cannot_end_the_isolate_and_an_open_isolate_is_closed() {
        assert_eq!(isolated("חנות\u{2069}"), "\u{2068}חנות\u{2069}");
        assert_eq!(
            isolated("\u{2067}חנות"),
            "\u{2068}\u{2067}חנות\u{2069}\u{2069}"
        );
        assert!(leaves_english_alone(&isolated(
            "\u{2069}\u{202E}\u{2067}abc"
        )));
    }

    /// Text mixing what can steer direction: Hebrew, Arabic, Arabic digits, every explicit
    /// control, brackets, digits, Latin, spaces and line breaks.
    fn mixed_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('א'),
                Just('ש'),
                Just('م'),
                Just('ل'),
                Just('١'),
                Just('\u{061C}'),
                Just('\u{200E}'),
                Just('\u{200F}'),
                proptest::char::range('\u{202A}', '\u{202E}'),
                proptest::char::range('\u{2066}', '\u{2069}'),
                Just('('),
                Just(')'),
                Just(':'),
                Just('$'),
                Just('7'),
                Just('a'),
                Just(' '),
                Just('\n'),
                Just('\t'),
            ],
            0..24,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn nothing_a_merchant_writes_turns_the_english_around_it(value in mixed_text()) {
            prop_assert!(leaves_english_alone(&isolated(&value)));
        }

        #[test]
        fn isolation_only_adds_marks(value in mixed_text()) {
            let kept: String = isolated(&value)
                .chars()
                .filter(|&c| c != FIRST_STRONG_ISOLATE && c != POP_DIRECTIONAL_ISOLATE)
                .collect();
            let written: String = value
                .chars()
                .filter(|&c| c != FIRST_STRONG_ISOLATE && c != POP_DIRECTIONAL_ISOLATE)
                .collect();
            prop_assert_eq!(kept, written);
        }
    }
}
