//! Hebrew, Arabic and Persian text as a PDF page draws it. A content stream shows glyphs left to
//! right in the order it lists them and joins nothing, so a line with right-to-left text is
//! given in display order (the Unicode bidirectional algorithm, UAX #9, each line one paragraph
//! whose direction its first strong character sets), its Arabic letters in their joined forms
//! (Unicode's presentation forms, which DejaVu Sans draws; lam and alef as one) and the brackets
//! of its right-to-left runs mirrored. Arabic vowel marks (harakat) are left out: nothing here
//! could place them over the joined letters. What a reader copies is the letters (`drawn`), in
//! reading order once it turns the line back; brackets there come out mirrored, as drawn.

use std::borrow::Cow;

use ar_reshaper::letters::letters_db::LETTERS_ARABIC;
use ar_reshaper::prelude::LigatureNames;
use ar_reshaper::{ArabicReshaper, ReshaperConfig};
use unicode_bidi::{BidiClass, ParagraphBidiInfo, bidi_class};

/// `text` in the order and forms its glyphs are drawn, left to right, without the controls
/// that steer the order; as it is if it has no right-to-left character and no such control.
pub fn visual(text: &str) -> Cow<'_, str> {
    if !is_reordered(text) {
        return Cow::Borrowed(text);
    }
    // Without zero-width joiners: ar-reshaper 1.5 loses count of the letters after one it
    // drops and indexes past its buffer (a panic) when a ligature follows.
    let letters: String = text.chars().filter(|&c| c != ZERO_WIDTH_JOINER).collect();
    let joined = reshaper().reshape(&letters);
    // unicode-bidi 0.3.18 indexes an empty line's first level: nothing left, nothing to order.
    if joined.is_empty() {
        return Cow::Owned(joined);
    }
    let bidi = ParagraphBidiInfo::new(&joined, None);
    let (levels, runs) = bidi.visual_runs(0..joined.len());
    let mut shown = String::with_capacity(joined.len());
    for run in runs {
        let chars = joined[run.clone()]
            .chars()
            .filter(|&c| !is_invisible_control(c));
        if levels[run.start].is_rtl() {
            // Mirrored, the glyph of `(` is `)`: a bracket opens to the right of what it holds.
            let mirrored = |c| unicode_bidi_mirroring::get_mirrored(c).unwrap_or(c);
            shown.extend(chars.rev().map(mirrored));
        } else {
            shown.extend(chars);
        }
    }
    Cow::Owned(shown)
}

/// The characters a glyph drawn for `c` (from `visual`) stands for, in the order it is drawn:
/// a joined Arabic form's letter, else `c` itself. Lam with alef is one glyph for two letters,
/// given alef first: readers (pdf.js, poppler) turn a right-to-left line back character by
/// character, which puts lam first again.
pub fn drawn(c: char) -> impl Iterator<Item = char> {
    let (first, second) = match c {
        '\u{FEF5}'..='\u{FEFC}' => (LAM_ALEF_ALEFS[(c as usize - 0xFEF5) / 2], Some(LAM)),
        _ => (letter_of_form(c).unwrap_or(c), None),
    };
    std::iter::once(first).chain(second)
}

/// Whether `c` is of a script whose letters join which nothing here joins (N'Ko, Syriac,
/// Mandaic): drawn apart, its words would read as other words.
pub fn is_of_unjoined_script(c: char) -> bool {
    matches!(c, '\u{0700}'..='\u{074F}' | '\u{07C0}'..='\u{07FF}' | '\u{0840}'..='\u{085F}')
}

const ZERO_WIDTH_JOINER: char = '\u{200D}';
const LAM: char = '\u{0644}';
/// The alefs of the lam-alef ligatures U+FEF5 to U+FEFC, two forms (isolated, final) each:
/// with madda above, hamza above, hamza below, and alone.
const LAM_ALEF_ALEFS: [char; 4] = ['\u{0622}', '\u{0623}', '\u{0625}', '\u{0627}'];

/// DejaVu Sans has no glyph for the ligature of the word Allah (U+FDF2): spelled out instead.
fn reshaper() -> ArabicReshaper {
    let mut config = ReshaperConfig::default();
    config.update_ligature(LigatureNames::ARABIC_LIGATURE_ALLAH, false);
    ArabicReshaper::new(config)
}

/// The letter `c` is a joined form of, if it is one.
fn letter_of_form(c: char) -> Option<char> {
    if !matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}') {
        return None;
    }
    LETTERS_ARABIC.iter().find_map(|(letter, forms)| {
        [forms.isolated, forms.initial, forms.medial, forms.end]
            .contains(&c)
            .then_some(*letter)
    })
}

/// Whether `visual` has anything to do for `text`: a character that turns a run right to left,
/// or a control to leave out (none is below U+0590, where Hebrew begins).
pub fn is_reordered(text: &str) -> bool {
    text.chars()
        .any(|c| c >= '\u{0590}' && (turns_right_to_left(c) || is_invisible_control(c)))
}

/// Whether `c` can put text right to left: a right-to-left letter, or an embedding, override
/// or isolate that says so.
fn turns_right_to_left(c: char) -> bool {
    matches!(
        bidi_class(c),
        BidiClass::R | BidiClass::AL | BidiClass::RLE | BidiClass::RLO | BidiClass::RLI
    )
}

/// The marks and embeddings that steer the algorithm: they have no glyph of their own.
fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn drawn_text(shown: &str) -> String {
        shown.chars().flat_map(drawn).collect()
    }

    #[test]
    fn hebrew_is_drawn_from_its_last_letter_and_numbers_left_to_right() {
        assert_eq!(visual("דוד כהן, רחוב הרצל 12"), "12 לצרה בוחר ,ןהכ דוד");
        // Brackets mirrored: the `(` drawn first, on the left, closes the right-to-left words.
        assert_eq!(visual("שלום (בע״מ)"), "(מ״עב) םולש");
        // In a line that starts left to right, only the Hebrew words turn.
        assert_eq!(visual("Invoice for שלום כהן."), "Invoice for ןהכ םולש.");
    }

    #[test]
    fn arabic_letters_are_joined_and_drawn_from_the_last() {
        // سلام: seen initial, lam-alef as one glyph, meem final; drawn meem first.
        let shown = visual("سلام");
        assert_eq!(shown, "\u{FEE1}\u{FEFC}\u{FEB3}");
        // A reader turning the line back character by character reads the word.
        let read: String = drawn_text(&shown).chars().rev().collect();
        assert_eq!(read, "سلام");
        // محمد رضا: meem initial, hah medial, meem medial, dal final; reh and zah apart, alef
        // final. Persian پ joined too.
        assert_eq!(
            visual("محمد رضا"),
            "\u{FE8E}\u{FEBF}\u{FEAD} \u{FEAA}\u{FEE4}\u{FEA4}\u{FEE3}"
        );
        assert_eq!(visual("پر"), "\u{FEAE}\u{FB58}");
        // Allah spelled out: DejaVu Sans has no glyph for its ligature.
        assert!(!visual("الله").contains('\u{FDF2}'));
        // Vowel marks are left out; the letters stay.
        assert_eq!(visual("مُحَمَّد"), visual("محمد"));
        // Joiners are left out (ar-reshaper 1.5 panics on two before a lam-alef).
        assert_eq!(visual("\u{200D}\u{200D}لا"), "\u{FEFB}");
        // A line of vowel marks alone (small waw is one) is nothing, drawn.
        assert_eq!(visual("\u{06E5}"), "");
    }

    #[test]
    fn left_to_right_text_is_left_as_it_is() {
        for text in ["Anna Müller", "東京 (Pro) 12", "Анна", "١٢٣ and 456"] {
            assert!(
                matches!(visual(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
        // An override turns even Latin letters, and is not drawn itself.
        assert_eq!(visual("x\u{202E}abc\u{202C}y"), "xcbay");
        assert_eq!(visual("\u{200F}abc"), "abc");
        assert_eq!(visual("a\u{2069}"), "a");
        // What `is_reordered` skips reorders nothing.
        assert!(('\0'..'\u{0590}').all(|c| !turns_right_to_left(c) && !is_invisible_control(c)));
    }

    #[test]
    fn a_joined_form_stands_for_its_letter() {
        let text = |c| drawn(c).collect::<String>();
        assert_eq!(text('\u{FEB3}'), "س");
        // Lam with alef: alef, then lam, as drawn right to left.
        assert_eq!(text('\u{FEFB}'), "ال");
        assert_eq!(text('\u{FEF7}'), "أل");
        assert_eq!(text('\u{FB58}'), "پ");
        assert_eq!(text('a'), "a");
        assert_eq!(text('ש'), "ש");
        assert!(is_of_unjoined_script('\u{07CA}') && !is_of_unjoined_script('ש'));
    }

    /// Arabic vowel marks, left out of what is drawn.
    const HARAKAT: [char; 4] = ['\u{064E}', '\u{064F}', '\u{0651}', '\u{0670}'];

    /// Letters, digits, brackets, spaces, vowel points and marks, joiners, the tatweel and bidi
    /// controls of several scripts.
    fn mixed_text() -> impl Strategy<Value = String> {
        let pool: Vec<char> = "abc XYZ 0189 ()[]<>.,-/ דוהכןלםש سلامحدرضاپچژگیکهةءآأإ١٢٣ ۴ ـ"
            .chars()
            .chain([
                '\u{202E}', '\u{202B}', '\u{2067}', '\u{2069}', '\u{202C}', '\u{200F}',
            ])
            .chain(['\u{200D}', '\u{200C}', '\u{05B8}', '\u{05C1}'])
            .chain(HARAKAT)
            .collect();
        proptest::collection::vec(proptest::sample::select(pool), 0..40)
            .prop_map(|chars| chars.into_iter().collect())
    }

    /// Any character of the Arabic and Hebrew blocks, their presentation forms, the general
    /// punctuation (joiners, marks, controls) and ASCII.
    fn any_text() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            0x0590_u32..0x0900,
            0xFB1D_u32..0xFF00,
            0x2000_u32..0x2070,
            0x20_u32..0x7F
        ]
        .prop_filter_map("a char", char::from_u32);
        proptest::collection::vec(c, 0..30).prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        /// Nothing a customer can write makes the page fail.
        #[test]
        fn any_text_is_drawn(text in any_text()) {
            let shown = visual(&text);
            prop_assert!(shown.chars().count() <= text.chars().count());
        }

        /// Whatever the mix, every letter is drawn once: the glyphs stand for the text's
        /// characters less its controls (and, in a line reordered, its joiners and Arabic
        /// vowel marks), brackets read either way.
        #[test]
        fn every_character_is_drawn_once(text in mixed_text()) {
            let unmirrored = |c: char| unicode_bidi_mirroring::get_mirrored(c).map_or(c, |m| m.min(c));
            let mut drawn: Vec<char> = drawn_text(&visual(&text)).chars().map(unmirrored).collect();
            let reordered = is_reordered(&text);
            let left_out = |c: char| {
                let joining = c == ZERO_WIDTH_JOINER || HARAKAT.contains(&c);
                is_invisible_control(c) || (joining && reordered)
            };
            let mut written: Vec<char> = text
                .chars()
                .filter(|&c| !left_out(c))
                .map(unmirrored)
                .collect();
            drawn.sort_unstable();
            written.sort_unstable();
            prop_assert_eq!(drawn, written);
        }
    }
}
