//! Chinese, Japanese and Korean text in a PDF without embedding a font: a CJK font holds tens
//! of thousands of glyphs (megabytes a function would carry), so the text names one of Adobe's
//! standard CJK fonts and reaches it through Adobe's Unicode CMaps (ISO 32000 9.7.5.2), as
//! Acrobat, pdf.js, PDFium, Preview and poppler expect: each reader draws it in a font of its
//! own for that language. The codes are the text's UTF-16 (the CMaps of PDF 1.5), so ideographs
//! beyond the Basic Multilingual Plane reach the collections that hold them, as Japanese names
//! do (𠮷田), and readers copy and search the text by the CMap alone (ISO 32000 9.10.2): a
//! `ToUnicode` map of these codes, whose surrogate pairs are four bytes, made poppler lose them
//! and pdfminer.six all of the CJK text. Every character is drawn full width (one em), the width
//! the CMaps give these characters, but half-width katakana (half an em, Japanese only).

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Name, Pdf, Rect, Ref, Str};

/// How wide a CJK character is, in units of the font size: one em, half for half-width
/// katakana.
pub fn advance(c: char) -> f32 {
    if is_halfwidth_katakana(c) { 0.5 } else { 1.0 }
}

/// Half-width katakana's first and last CID in Adobe-Japan1 (where `UniJIS-UTF16-H` maps U+FF61
/// to U+FF9F), and their width in thousandths of an em: half, as all of the collection's
/// half-width glyphs (CIDs 231 to 632).
const HALFWIDTH_KATAKANA: (u16, u16, f32) = (327, 389, 500.0);

/// The language a run of CJK text is drawn in: which of Adobe's character collections (and so
/// which of the reader's fonts) shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CjkLanguage {
    Japanese,
    Korean,
    SimplifiedChinese,
    TraditionalChinese,
}

impl CjkLanguage {
    /// The language Han characters with no kana or Hangul beside them are read in, by the
    /// currency of the document: Simplified Chinese unless the currency says otherwise, as its
    /// collection (GBK's) holds every unified ideograph.
    pub fn for_currency(code: &str) -> Self {
        match code {
            "jpy" => Self::Japanese,
            "krw" => Self::Korean,
            "twd" | "hkd" | "mop" => Self::TraditionalChinese,
            _ => Self::SimplifiedChinese,
        }
    }

    /// The language of `run` (CJK characters): Japanese if it has half-width katakana (only
    /// Adobe-Japan1 holds them), else Korean if it has Hangul, Japanese if it has kana, else
    /// `han`; but for ideographs beyond the Basic Multilingual Plane, which Adobe-GB1 and
    /// Adobe-Korea1 all but lack, Japanese (Japan1 holds those of Japanese names, JIS X 0213's)
    /// unless `han` is Traditional Chinese (CNS1 holds Hong Kong's, HKSCS's).
    pub fn of(run: &str, han: Self) -> Self {
        if run.chars().any(is_halfwidth_katakana) {
            Self::Japanese
        } else if run.chars().any(is_hangul) {
            Self::Korean
        } else if run.chars().any(is_kana)
            || (han != Self::TraditionalChinese && run.chars().any(is_supplementary_ideograph))
        {
            Self::Japanese
        } else {
            han
        }
    }

    /// The standard font's name (sans-serif where the standard has one: Song is GB1's only).
    fn font(self) -> Name<'static> {
        Name(match self {
            Self::Japanese => b"HeiseiKakuGo-W5",
            Self::Korean => b"HYGoThic-Medium",
            Self::SimplifiedChinese => b"STSong-Light",
            Self::TraditionalChinese => b"MHei-Medium",
        })
    }

    /// The horizontal CMap from UTF-16 to the collection's characters.
    fn encoding(self) -> Name<'static> {
        Name(match self {
            Self::Japanese => b"UniJIS-UTF16-H",
            Self::Korean => b"UniKS-UTF16-H",
            Self::SimplifiedChinese => b"UniGB-UTF16-H",
            Self::TraditionalChinese => b"UniCNS-UTF16-H",
        })
    }

    /// The collection, as the CMap names it.
    fn system_info(self) -> SystemInfo<'static> {
        let (ordering, supplement): (&[u8], i32) = match self {
            Self::Japanese => (b"Japan1", 7),
            Self::Korean => (b"Korea1", 1),
            Self::SimplifiedChinese => (b"GB1", 5),
            Self::TraditionalChinese => (b"CNS1", 7),
        };
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(ordering),
            supplement,
        }
    }
}

/// Whether `c` is drawn in a CJK font: ideographs (unified, extensions, compatibility), kana
/// (half-width katakana too), Hangul, CJK punctuation and the full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF01}'..='\u{FF60}')
        || is_kana(c)
        || is_hangul(c)
        || is_supplementary_ideograph(c)
}

/// Ideographs beyond the Basic Multilingual Plane: extensions B to J and the supplement of
/// compatibility ideographs (the Supplementary and Tertiary Ideographic Planes).
fn is_supplementary_ideograph(c: char) -> bool {
    matches!(c, '\u{20000}'..='\u{3FFFF}')
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}') || is_halfwidth_katakana(c)
}

/// Half-width katakana and their punctuation (｡｢｣､･), as older Japanese systems write names.
fn is_halfwidth_katakana(c: char) -> bool {
    matches!(c, '\u{FF61}'..='\u{FF9F}')
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}')
}

/// `run` (CJK characters) as the content stream shows it: UTF-16, big-endian.
pub fn encode(run: &str) -> Vec<u8> {
    run.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// The objects one language's font is written as.
pub struct CjkRefs {
    pub font: Ref,
    pub descendant: Ref,
    pub descriptor: Ref,
}

/// `language`'s font, named and not embedded. The descriptor's metrics are generic: the
/// reader's font supplies its own.
pub fn write(pdf: &mut Pdf, language: CjkLanguage, refs: &CjkRefs) {
    let name = language.font();
    pdf.type0_font(refs.font)
        .base_font(name)
        .encoding_predefined(language.encoding())
        .descendant_font(refs.descendant);
    {
        let mut descendant = pdf.cid_font(refs.descendant);
        descendant
            .subtype(CidFontType::Type0)
            .base_font(name)
            .system_info(language.system_info())
            .font_descriptor(refs.descriptor)
            .default_width(1000.0);
        if language == CjkLanguage::Japanese {
            let (first, last, width) = HALFWIDTH_KATAKANA;
            descendant.widths().same(first, last, width);
        }
    }
    let flags = match language {
        CjkLanguage::SimplifiedChinese => FontFlags::SYMBOLIC | FontFlags::SERIF,
        _ => FontFlags::SYMBOLIC,
    };
    pdf.font_descriptor(refs.descriptor)
        .name(name)
        .flags(flags)
        .bbox(Rect::new(0.0, -120.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(700.0)
        .stem_v(80.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_are_told_from_the_rest_and_their_language_from_their_script() {
        for c in [
            '東', '京', 'の', 'カ', 'ｶ', '한', '국', '。', '「', '！', '豈', '𠮷', '𩸽',
        ] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', 'é', 'ж', '€', '₩', ' ', '😀', 'ש'] {
            assert!(!is_cjk(c), "{c}");
        }
        let han = CjkLanguage::SimplifiedChinese;
        assert_eq!(CjkLanguage::of("山田たろう", han), CjkLanguage::Japanese);
        assert_eq!(CjkLanguage::of("김민준", han), CjkLanguage::Korean);
        assert_eq!(CjkLanguage::of("王小明", han), han);
        // Half-width katakana exist only in Japanese's collection, whatever is beside them.
        assert_eq!(CjkLanguage::of("ﾔﾏﾀﾞ", han), CjkLanguage::Japanese);
        assert_eq!(CjkLanguage::of("김ｶ", han), CjkLanguage::Japanese);
        // Ideographs beyond the BMP: Japan1 holds those of Japanese names, CNS1 Hong Kong's.
        assert_eq!(CjkLanguage::of("𠮷田", han), CjkLanguage::Japanese);
        let traditional = CjkLanguage::TraditionalChinese;
        assert_eq!(CjkLanguage::of("𠮷田", traditional), traditional);
        assert_eq!(CjkLanguage::of("김𠮷", han), CjkLanguage::Korean);
        assert_eq!(
            (advance('ｶ'), advance('カ'), advance('東')),
            (0.5, 1.0, 1.0)
        );
        assert_eq!(CjkLanguage::for_currency("jpy"), CjkLanguage::Japanese);
        assert_eq!(
            CjkLanguage::for_currency("twd"),
            CjkLanguage::TraditionalChinese
        );
        assert_eq!(CjkLanguage::for_currency("usd"), han);
        assert_eq!(encode("東京"), [0x67, 0x71, 0x4E, 0xAC]);
        assert_eq!(encode("𠮷"), [0xD8, 0x42, 0xDF, 0xB7]);
        assert_eq!(advance('𠮷'), 1.0);
    }

    #[test]
    fn a_language_s_font_is_named_not_embedded_with_its_utf_16_cmap() {
        let mut pdf = Pdf::new();
        let refs = CjkRefs {
            font: Ref::new(1),
            descendant: Ref::new(2),
            descriptor: Ref::new(3),
        };
        write(&mut pdf, CjkLanguage::Japanese, &refs);
        let bytes = pdf.finish();
        let text = String::from_utf8_lossy(&bytes);
        for part in [
            "/BaseFont /HeiseiKakuGo-W5",
            "/Encoding /UniJIS-UTF16-H",
            "/CIDFontType0",
            "/Ordering (Japan1)",
            "/Supplement 7",
            "/DW 1000",
            "/W [327 389 500]",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(!text.contains("/FontFile"), "{text}");
        assert!(!text.contains("/ToUnicode"), "{text}");
        // Only Japanese's collection has half-width katakana to give a width.
        let mut pdf = Pdf::new();
        write(&mut pdf, CjkLanguage::Korean, &refs);
        let bytes = pdf.finish();
        assert!(!String::from_utf8_lossy(&bytes).contains("/W "));
    }
}
