//! How wide text is in Helvetica and Helvetica-Bold, the base fonts an invoice's words are drawn
//! in, read from Adobe's published metrics (the AFM files of the PDF core fonts): exact for ASCII,
//! and for any other character the widest glyph of the face, so a measure never falls short.

use std::sync::OnceLock;

/// The printable ASCII characters, from the space.
const ASCII: std::ops::RangeInclusive<u8> = b' '..=b'~';

/// The widths, in thousandths of the font size: ASCII's by character (from the space; 0 where
/// the metrics had none), and the widest of all.
struct Widths {
    ascii: [u16; 95],
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
    let width = u8::try_from(c)
        .ok()
        .filter(|byte| ASCII.contains(byte))
        .map(|byte| widths.ascii[usize::from(byte - b' ')])
        .filter(|&width| width > 0)
        .unwrap_or(widths.widest);
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

/// The `C <code> ; WX <width> ; N <name> ;` lines of an AFM file's character metrics. Codes
/// are Adobe's StandardEncoding, which is ASCII but for 39 and 96 (quotes there); ASCII's
/// apostrophe and grave are found by name. The kerning pairs after them (2,705 lines of
/// Helvetica's 3,051) are not read: with them, three passes over each line and a hash map, a
/// download's first PDF cost 4.6 million instructions, 0.8 million now (callgrind).
fn parse(afm: &str) -> Widths {
    let mut widths = Widths {
        ascii: [0; 95],
        widest: 0,
    };
    let metrics = afm
        .lines()
        .skip_while(|line| !line.starts_with("StartCharMetrics"))
        .take_while(|line| !line.starts_with("EndCharMetrics"));
    for line in metrics {
        let (mut code, mut width, mut name) = (None, None, None);
        // ASCII trimming: Unicode's whitespace test was a fifth of the parse.
        for field in line.split(';').map(str::trim_ascii) {
            if let Some(value) = field.strip_prefix("C ") {
                code = value.trim_ascii().parse::<i32>().ok();
            } else if let Some(value) = field.strip_prefix("WX ") {
                width = value.trim_ascii().parse::<u16>().ok();
            } else if let Some(value) = field.strip_prefix("N ") {
                name = Some(value.trim_ascii());
            }
        }
        let (Some(code), Some(width), Some(name)) = (code, width, name) else {
            continue;
        };
        widths.widest = widths.widest.max(width);
        let ascii = match (code, name) {
            (_, "quotesingle") => Some(b'\''),
            (_, "grave") => Some(b'`'),
            (39 | 96, _) => None,
            _ => u8::try_from(code).ok().filter(|byte| ASCII.contains(byte)),
        };
        if let Some(byte) = ascii {
            widths.ascii[usize::from(byte - b' ')] = width;
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_measured_exactly_and_the_rest_at_the_widest_glyph() {
        use Face::{Bold, Regular};
        for face in [Regular, Bold] {
            let widths = widths(face);
            assert!(
                widths.ascii.iter().all(|&width| width > 0),
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
