//! A Unicode font for the text of a PDF that the base fonts cannot show: DejaVu Sans (Latin,
//! Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic and the currency signs), embedded as a CID
//! font holding only the glyphs the document draws, with a `ToUnicode` map so that readers copy
//! and search the text. Right-to-left text comes in display order and joined forms
//! (`pdf_rtl`). What it lacks (CJK, which `pdf_cjk` draws instead; Indic scripts), and the
//! joining scripts nothing here joins, show as `?`, as in the base fonts.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use super::pdf_rtl;

/// The subset's PostScript name: a tag of six capitals, `+`, the font's name (ISO 32000 9.6.4).
const SUBSET_NAME: Name<'static> = Name(b"CMTSUB+DejaVuSans");
const FALLBACK: char = '?';

/// The font a document draws with, and which of its glyphs it drew.
pub struct UnicodeFont {
    face: Face<'static>,
    glyphs: GlyphRemapper,
    /// The character each drawn glyph stands for, by its id in the subset.
    chars: BTreeMap<u16, char>,
}

/// Text laid out in the font: its glyphs as the content stream shows them, and its width.
pub struct Shaped {
    /// Two bytes per glyph, big-endian: the subset's glyph ids (`Identity-H`).
    pub codes: Vec<u8>,
    /// In units of the font size.
    pub width: f32,
}

/// The objects the font is written as.
pub struct FontRefs {
    pub font: Ref,
    pub descendant: Ref,
    pub descriptor: Ref,
    pub file: Ref,
    pub to_unicode: Ref,
}

impl UnicodeFont {
    pub fn new() -> Self {
        let face = Face::parse(dejavu::sans::regular(), 0)
            .expect("DejaVu Sans, compiled in, parses (a unit test reads it)");
        Self {
            face,
            glyphs: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        }
    }

    /// `text` in this font, `?` for what it does not show.
    pub fn shape(&mut self, text: &str) -> Shaped {
        let mut codes = Vec::with_capacity(text.len() * 2);
        let mut advance = 0u32;
        for c in text.chars() {
            let (c, glyph) = self.glyph_of(c);
            let id = self.glyphs.remap(glyph.0);
            self.chars.entry(id).or_insert(c);
            codes.extend(id.to_be_bytes());
            advance += u32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0));
        }
        Shaped {
            codes,
            width: advance as f32 / f32::from(self.face.units_per_em()),
        }
    }

    /// How wide `c` is in this font, in units of the font size, drawn or not.
    pub fn advance(&self, c: char) -> f32 {
        let (_, glyph) = self.glyph_of(c);
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0))
            / f32::from(self.face.units_per_em())
    }

    /// Whether any text was drawn in the font, so that it must be written.
    pub fn is_used(&self) -> bool {
        !self.chars.is_empty()
    }

    fn glyph_of(&self, c: char) -> (char, GlyphId) {
        let shown = (!c.is_control() && !pdf_rtl::is_of_unjoined_script(c))
            .then(|| self.face.glyph_index(c))
            .flatten();
        match shown {
            Some(glyph) => (c, glyph),
            None => (
                FALLBACK,
                self.face.glyph_index(FALLBACK).unwrap_or_default(),
            ),
        }
    }

    /// The font's objects: the Type 0 font, its CID font with the drawn glyphs' widths, their
    /// descriptor, the subset, and the map from glyphs back to text.
    pub fn write(&self, pdf: &mut Pdf, refs: &FontRefs) -> Result<(), subsetter::Error> {
        let subset = subsetter::subset(dejavu::sans::regular(), 0, &self.glyphs)?;
        let per_em = f32::from(self.face.units_per_em());
        let scaled = |units: i16| f32::from(units) * 1000.0 / per_em;
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(refs.font)
            .base_font(SUBSET_NAME)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.descendant)
            .to_unicode(refs.to_unicode);
        {
            let mut font = pdf.cid_font(refs.descendant);
            font.subtype(CidFontType::Type2)
                .base_font(SUBSET_NAME)
                .system_info(info)
                .font_descriptor(refs.descriptor)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            let mut widths = font.widths();
            for (id, old) in self.glyphs.remapped_gids().enumerate() {
                let advance = self.face.glyph_hor_advance(GlyphId(old)).unwrap_or(0);
                widths.consecutive(id as u16, [f32::from(advance) * 1000.0 / per_em]);
            }
        }
        let bounds = self.face.global_bounding_box();
        pdf.font_descriptor(refs.descriptor)
            .name(SUBSET_NAME)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                scaled(bounds.x_min),
                scaled(bounds.y_min),
                scaled(bounds.x_max),
                scaled(bounds.y_max),
            ))
            .italic_angle(0.0)
            .ascent(scaled(self.face.ascender()))
            .descent(scaled(self.face.descender()))
            .cap_height(scaled(self.face.capital_height().unwrap_or_default()))
            .stem_v(80.0)
            .font_file2(refs.file);
        pdf.stream(refs.file, &subset);

        let mut to_unicode = UnicodeCmap::new(Name(b"Custom"), info);
        for (&id, &c) in &self.chars {
            to_unicode.pair_with_multiple(id, pdf_rtl::drawn(c));
        }
        pdf.stream(refs.to_unicode, to_unicode.finish().as_slice());
        Ok(())
    }

    /// The text `codes` stand for, as a reader finds it through the `ToUnicode` map.
    #[cfg(test)]
    pub fn text_of(&self, codes: &[u8]) -> String {
        codes
            .chunks(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .map(|id| self.chars.get(&id).copied().unwrap_or('\u{fffd}'))
            .flat_map(pdf_rtl::drawn)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF of `font`'s objects alone, numbered 1 to 5.
    fn written(font: &UnicodeFont) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let refs = FontRefs {
            font: Ref::new(1),
            descendant: Ref::new(2),
            descriptor: Ref::new(3),
            file: Ref::new(4),
            to_unicode: Ref::new(5),
        };
        font.write(&mut pdf, &refs).unwrap();
        pdf.finish()
    }

    #[test]
    fn the_font_shows_cyrillic_greek_and_currency_signs_and_marks_the_rest() {
        let mut font = UnicodeFont::new();
        let text = "Анна Петрова, Σοφία: ₹1,250.00 ₩ ₪ ₦ ₱ ₫ € £";
        let shaped = font.shape(text);
        assert_eq!(font.text_of(&shaped.codes), text);
        assert!(shaped.width > 10.0, "{}", shaped.width);

        // Hebrew, and Arabic in its joined forms (`pdf_rtl` gives them in display order), are
        // drawn; what the font lacks, controls and N'Ko's letters (unjoined) are `?`.
        let shaped =
            font.shape("東京 םולש \u{FE8E}\u{FE92}\u{FEA3}\u{FEAE}\u{FEE3} \u{07CA}\u{7}x");
        assert_eq!(font.text_of(&shaped.codes), "?? םולש ابحرم ??x");
        // One glyph per character.
        assert_eq!(shaped.codes.len(), 2 * 17);
    }

    #[test]
    fn a_joined_arabic_form_is_copied_as_its_letter() {
        let mut font = UnicodeFont::new();
        // لا as one glyph, seen initial.
        font.shape("\u{FEFB}\u{FEB3}");
        let bytes = written(&font);
        let text = String::from_utf8_lossy(&bytes);
        for part in ["<0001> <06270644>", "<0002> <0633>"] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }

    #[test]
    fn the_written_font_is_a_subset_with_its_widths_and_map() {
        let mut font = UnicodeFont::new();
        font.shape("Ёж ₹");
        let bytes = written(&font);
        let text = String::from_utf8_lossy(&bytes);
        for part in [
            "/Identity-H",
            "/CIDFontType2",
            "/FontFile2 4 0 R",
            "/ToUnicode 5 0 R",
            "/CMTSUB+DejaVuSans",
            "<0001> <0401>",
            "<0003> <0020>",
            "<0004> <20B9>",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        // The subset holds five glyphs (.notdef and four drawn), not the font's thousands.
        assert!(bytes.len() < 20_000, "{}", bytes.len());
    }
}
