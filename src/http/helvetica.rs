//! How wide text is in Helvetica and Helvetica-Bold, the base fonts an invoice's words are drawn
//! in, read from Adobe's published metrics (the AFM files of the PDF core fonts): exact for ASCII,
//! and for any other character the widest glyph of the face, so a measure never falls short.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The widths, in thousandths of the font size: ASCII's by character, and the widest of all.
struct Widths {
    ascii: HashMap<char, u16>,
    widest: u16,
}

/// A face of Helvetica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

/// How wide `c` is at most in `face`, in units of the font size.
pub fn width_bound(face: Face, c: char) -> f32 {
    let widths = widths(face);
    let width = widths.ascii.get(&c).copied().unwrap_or(widths.widest);
    f32::from(width) / 1000.0
}

/// Parsed on first use: most requests draw no invoice.
fn widths(face: Face) -> &'static Widths {
    static REGULAR: OnceLock<Widths> = OnceLock::new();
    static BOLD: OnceLock<Widths> = OnceLock::new();
    match face {
        Face::Regular => REGULAR.get_or_init(|| parse(pdf_core_14_font_afms::HELVETICA)),
        Face::Bold => BOLD.get_or_init(|| parse(pdf_core_14_font_afms::HELVETICA_BOLD)),
    }
}

/// The `C <code> ; WX <width> ; N <name> ;` lines of an AFM file. Codes are Adobe's
/// StandardEncoding, which is ASCII but for 39 and 96 (quotes there); ASCII's apostrophe and
/// grave are found by name.
fn parse(afm: &str) -> Widths {
    let mut ascii = HashMap::new();
    let mut widest = 0;
    for line in afm.lines() {
        let field = |key: &str| {
            line.split(';')
                .map(str::trim)
                .find_map(|field| field.strip_prefix(key))
                .map(str::trim)
        };
        let (Some(code), Some(width), Some(name)) = (field("C "), field("WX "), field("N ")) else {
            continue;
        };
        let (Ok(code), Ok(width)) = (code.parse::<i32>(), width.parse::<u16>()) else {
            continue;
        };
        widest = widest.max(width);
        let ascii_char = match (code, name) {
            (_, "quotesingle") => Some('\''),
            (_, "grave") => Some('`'),
            (39 | 96, _) => None,
            (32..=126, _) => u8::try_from(code).ok().map(char::from),
            _ => None,
        };
        if let Some(c) = ascii_char {
            ascii.insert(c, width);
        }
    }
    Widths { ascii, widest }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_measured_exactly_and_the_rest_at_the_widest_glyph() {
        use Face::{Bold, Regular};
        for face in [Regular, Bold] {
            assert_eq!(
                widths(face).ascii.len(),
                95,
                "every printable ASCII character"
            );
        }
        assert_eq!(width_bound(Regular, ' '), 0.278);
        assert_eq!(width_bound(Regular, 'W'), 0.944);
        assert_eq!(width_bound(Regular, 'i'), 0.222);
        assert_eq!(width_bound(Regular, '\''), 0.191);
        assert_eq!(width_bound(Regular, '`'), 0.333);
        // The widest glyph (`@`, 1015) stands for any other character: é is 556 in fact.
        assert_eq!(widths(Regular).widest, 1015);
        assert_eq!(width_bound(Regular, 'é'), 1.015);
        // The bold face is wider, and not by one factor.
        assert_eq!(width_bound(Bold, 'i'), 0.278);
        assert_eq!(width_bound(Bold, 'W'), 0.944);
        assert_eq!(width_bound(Bold, 'a'), 0.556);
        assert_eq!(widths(Bold).widest, 1000);
    }
}
