//! How wide text is in Helvetica and Helvetica-Bold, the base fonts an invoice's words are drawn
//! in, read from Adobe's published metrics (the AFM files of the PDF core fonts): exact for ASCII,
//! and for any other character the widest glyph of the face, so a measure never falls short.

/// The printable ASCII characters, from the space.
const FIRST_ASCII: u8 = b' ';
const LAST_ASCII: u8 = b'~';

/// The widths, in thousandths of the font size: ASCII's by character (from the space), and the
/// widest of all.
struct Widths {
    ascii: [u16; 95],
    widest: u16,
}

/// Read from the AFM files when compiling: a container's first PDF parsed them, 0.8 million
/// instructions (callgrind), and the files (149 KB) need not be in the binary.
static REGULAR: Widths = parse(pdf_core_14_font_afms::HELVETICA);
static BOLD: Widths = parse(pdf_core_14_font_afms::HELVETICA_BOLD);

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
        .filter(|byte| (FIRST_ASCII..=LAST_ASCII).contains(byte))
        .map_or(widths.widest, |byte| {
            widths.ascii[usize::from(byte - FIRST_ASCII)]
        });
    f32::from(width) / 1000.0
}

fn widths(face: Face) -> &'static Widths {
    match face {
        Face::Regular => &REGULAR,
        Face::Bold => &BOLD,
    }
}

/// The `C <code> ; WX <width> ; N <name> ;` lines of an AFM file's character metrics; the
/// kerning pairs after them are not read. Codes are Adobe's StandardEncoding, which is ASCII but
/// for 39 and 96 (quotes there); ASCII's apostrophe and grave are found by name. Written with
/// loops and indices because it runs in the compiler, where iterators cannot. Metrics without
/// a width for every printable ASCII character fail the build.
const fn parse(afm: &str) -> Widths {
    let mut widths = Widths {
        ascii: [0; 95],
        widest: 0,
    };
    let mut rest = afm.as_bytes();
    let mut in_metrics = false;
    while !rest.is_empty() {
        let (line, after) = split_once(rest, b'\n');
        rest = after;
        if starts_with(line, b"EndCharMetrics") {
            break;
        }
        if !in_metrics {
            in_metrics = starts_with(line, b"StartCharMetrics");
            continue;
        }
        let (Some(code), Some(width), Some(name)) =
            (field(line, b"C "), field(line, b"WX "), field(line, b"N "))
        else {
            continue;
        };
        let (Ok(code), Ok(width)) = (
            i32::from_str_radix(ascii_text(code), 10),
            u16::from_str_radix(ascii_text(width), 10),
        ) else {
            continue;
        };
        if width > widths.widest {
            widths.widest = width;
        }
        let ascii = if equal(name, b"quotesingle") {
            Some(b'\'')
        } else if equal(name, b"grave") {
            Some(b'`')
        } else if code == 39 || code == 96 {
            None
        } else if code >= FIRST_ASCII as i32 && code <= LAST_ASCII as i32 {
            // In range: checked just above.
            Some(code as u8)
        } else {
            None
        };
        if let Some(byte) = ascii {
            widths.ascii[(byte - FIRST_ASCII) as usize] = width;
        }
    }
    let mut byte = 0;
    while byte < widths.ascii.len() {
        assert!(
            widths.ascii[byte] > 0,
            "a printable ASCII character has no width"
        );
        byte += 1;
    }
    widths
}

/// The field of a `;`-separated metrics line that begins with `key`, without it.
const fn field<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut rest = line;
    while !rest.is_empty() {
        let (field, after) = split_once(rest, b';');
        let field = field.trim_ascii();
        if starts_with(field, key) {
            return Some(field.split_at(key.len()).1.trim_ascii());
        }
        rest = after;
    }
    None
}

/// `text` before the first `separator` and after it (all of it and nothing without one).
const fn split_once(text: &[u8], separator: u8) -> (&[u8], &[u8]) {
    let mut end = 0;
    while end < text.len() && text[end] != separator {
        end += 1;
    }
    let (before, from) = text.split_at(end);
    match from.split_first() {
        Some((_, after)) => (before, after),
        None => (before, from),
    }
}

const fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    if text.len() < prefix.len() {
        return false;
    }
    let mut at = 0;
    while at < prefix.len() {
        if text[at] != prefix[at] {
            return false;
        }
        at += 1;
    }
    true
}

const fn equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && starts_with(a, b)
}

/// An AFM file is ASCII; a field that is not parses as nothing.
const fn ascii_text(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_measured_exactly_and_the_rest_at_the_widest_glyph() {
        // (Every printable ASCII character has a width, or `parse` fails the build.)
        use Face::{Bold, Regular};
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
