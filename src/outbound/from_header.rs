//! Who a mail is from, as the payer's mail reader shows it: the merchant's name beside the
//! deployment's sender address (`"Ada's Shop" <receipts@pay.example.com>`), so that a receipt says
//! whose it is before it is opened.
//!
//! SES reads the From it is given as RFC 5322 and takes ASCII only there: a name in ASCII is a
//! quoted string (its quotes and backslashes escaped), any other an RFC 2047 encoded word
//! (UTF-8, base64), as SES's documentation asks for a "friendly from" name. Plain ASCII is not
//! encoded, since spam filters count an encoded ASCII name against a mail (SpamAssassin's
//! `FROM_EXCESS_BASE64`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// UTF-8 bytes in one encoded word: 45 bytes are 60 characters of base64, 72 with `=?UTF-8?B?`
/// and `?=`, within RFC 2047's 75.
const WORD_BYTES: usize = 45;
/// A name outside ASCII at most, in UTF-8 bytes (150 CJK characters, 225 Hebrew ones): at most
/// 11 encoded words (42 to 45 bytes each, whole characters), some 800 characters, so that the
/// header stays one line within RFC 5322's 998 whether or not SES folds it.
const MAX_NAME_BYTES: usize = 450;

/// The From header of a mail `name` sends from `sender` (an address verified in SES). A sender
/// configured with a name of its own (`Payments <receipts@…>`) is kept as it is, and so is an
/// empty one (SES refuses it) and one whose name would show nothing.
pub fn from_header(sender: &str, name: &str) -> String {
    let name = shown_name(name);
    if sender.is_empty() || sender.contains('<') || name.is_empty() {
        sender.to_owned()
    } else if name.is_ascii() {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{sender}>")
    } else {
        format!("{} <{sender}>", encoded_words(&name))
    }
}

/// `name` as one line: control characters (a line break would end the header) and runs of
/// white space as one space, without the marks that would turn it around (overrides,
/// embeddings, isolates); outside ASCII, cut with `…` to `MAX_NAME_BYTES`.
fn shown_name(name: &str) -> String {
    let steering = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let kept: String = name.chars().filter(|&c| !steering(c)).collect();
    let joined = kept
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if joined.is_ascii() || joined.len() <= MAX_NAME_BYTES {
        return joined;
    }
    let mut cut = MAX_NAME_BYTES - '…'.len_utf8();
    while !joined.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", joined[..cut].trim_end())
}

/// `name` as RFC 2047 encoded words, each whole characters, separated by spaces (which a reader
/// drops between encoded words).
fn encoded_words(name: &str) -> String {
    let mut words = Vec::new();
    let mut rest = name;
    while !rest.is_empty() {
        let mut cut = rest.len().min(WORD_BYTES);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (word, after) = rest.split_at(cut);
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(word)));
        rest = after;
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    const SENDER: &str = "receipts@pay.example.com";

    /// The name and address a mail parser (Stalwart's mail-parser) reads in `header`.
    fn read(header: &str) -> (Option<String>, String) {
        let message = format!("From: {header}\r\nSubject: x\r\n\r\nbody\r\n");
        let parsed = MessageParser::default()
            .parse(message.as_bytes())
            .expect("a message");
        let from = parsed.from().and_then(|from| from.first()).expect("a From");
        (
            from.name().map(str::to_owned),
            from.address().unwrap_or_default().to_owned(),
        )
    }

    #[test]
    fn an_ascii_name_is_quoted_and_read_back_as_written() {
        let header = from_header(SENDER, r#"Ada's "Best" Shop \ Co, Ltd."#);
        assert_eq!(
            header,
            r#""Ada's \"Best\" Shop \\ Co, Ltd." <receipts@pay.example.com>"#
        );
        assert_eq!(
            read(&header),
            (
                Some(r#"Ada's "Best" Shop \ Co, Ltd."#.to_owned()),
                SENDER.to_owned()
            )
        );
    }

    #[test]
    fn any_other_name_is_encoded_and_read_back_as_written() {
        for name in [
            "Café Zoë",
            "חנות דוד (בע״מ)",
            "متجر",
            "東京の店",
            "Ελληνικά 🎉",
        ] {
            let header = from_header(SENDER, name);
            assert!(
                header.is_ascii() && header.starts_with("=?UTF-8?B?"),
                "{header}"
            );
            assert_eq!(read(&header), (Some(name.to_owned()), SENDER.to_owned()));
        }
    }

    #[test]
    fn a_long_name_is_cut_in_whole_characters_within_the_header_s_line() {
        for name in ["東".repeat(200), "ש".repeat(300), "😀".repeat(200)] {
            let header = from_header(SENDER, &name);
            assert!(header.len() < 998, "{}", header.len());
            let (shown, address) = read(&header);
            let shown = shown.unwrap();
            assert!(shown.ends_with('…') && name.starts_with(shown.trim_end_matches('…')));
            assert_eq!(address, SENDER);
            for word in header.split(' ').filter(|word| word.starts_with("=?")) {
                assert!(word.len() <= 75, "{word}");
            }
        }
        // An ASCII name of an account's longest (200 characters) is whole.
        let long = "a".repeat(200);
        assert_eq!(read(&from_header(SENDER, &long)).0, Some(long));
    }

    #[test]
    fn line_breaks_and_direction_marks_cannot_reach_the_header() {
        let header = from_header(SENDER, "Shop\r\nBcc: someone@example.com\u{202E}");
        assert_eq!(
            header,
            "\"Shop Bcc: someone@example.com\" <receipts@pay.example.com>"
        );
        assert_eq!(
            read(&from_header(SENDER, "Shop \u{202E}dcba")).0.as_deref(),
            Some("Shop dcba")
        );
    }

    #[test]
    fn a_sender_with_its_own_name_none_or_a_name_of_nothing_is_kept() {
        let named = "Payments <receipts@pay.example.com>";
        assert_eq!(from_header(named, "Ada's Shop"), named);
        assert_eq!(from_header("", "Ada's Shop"), "");
        assert_eq!(from_header(SENDER, " \n\u{202E} "), SENDER);
    }
}
