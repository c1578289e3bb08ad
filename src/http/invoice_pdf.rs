//! An invoice as a PDF, the document a download link serves: one A4 page of text. Text that the
//! PDF base fonts' WinAnsi encoding covers (Western European) is drawn in them, so nothing is
//! embedded for it (Helvetica for words; Courier for amounts, whose fixed width right-aligns
//! them without font metrics); Chinese, Japanese and Korean in the reader's own font for the
//! language, named and not embedded (`pdf_cjk`); any other text (a Cyrillic name, an amount in
//! rupees, a Hebrew or Arabic one in display order and joined forms: `pdf_rtl`) in an embedded
//! subset of DejaVu Sans (`pdf_font`). A line item's description is measured as the fonts draw
//! it and cut to end clear of the quantity. The content stream is left uncompressed: an invoice
//! page is a few kilobytes.

use encoding_rs::WINDOWS_1252;
use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

use std::collections::BTreeSet;

use super::helvetica::{self, Face};
use super::pdf_cjk::{self, CjkLanguage, CjkRefs};
use super::pdf_font::{FontRefs, UnicodeFont};
use super::pdf_rtl;

use crate::domain::invoice::{Invoice, InvoiceStatus};
use crate::domain::money::signed_for_payer;

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const LEFT: f32 = 56.0;
const RIGHT: f32 = PAGE_WIDTH - 56.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");
const FIXED: Name<'static> = Name(b"F3");
const UNICODE: Name<'static> = Name(b"F4");
/// The embedded font has no bold face: bold text in it is drawn stroked as well as filled.
const STROKED_BOLD: f32 = 0.04;
/// Every Courier glyph is 600/1000 of the font size wide.
const FIXED_ADVANCE: f32 = 0.6;
/// Where a line item's quantity begins: its description is cut to end 12 points before.
const QUANTITY_AT: f32 = 320.0;

/// An invoice as its download link serves it.
pub struct InvoiceFile {
    /// `INV-000001.pdf`.
    pub filename: String,
    pub pdf: Vec<u8>,
}

/// Who the invoice is for, as the document names them.
pub struct BilledTo<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
}

/// The PDF of `invoice`, issued by `merchant` to `billed_to`. Fails only if the compiled-in
/// font cannot be subset.
pub fn invoice_pdf(
    merchant: &str,
    billed_to: &BilledTo<'_>,
    invoice: &Invoice,
) -> Result<Vec<u8>, subsetter::Error> {
    let amount = |minor_units| signed_for_payer(minor_units, &invoice.currency);
    let title = format!("{} {}", document_kind(invoice), invoice.number);
    let mut page = Page::new(CjkLanguage::for_currency(&invoice.currency.code()));
    page.text(BOLD, 18.0, LEFT, 780.0, merchant);
    page.text(REGULAR, 14.0, LEFT, 752.0, &title);
    page.right(BOLD, 14.0, 752.0, status_label(invoice));

    let issued = invoice.issued_at.to_string();
    let mut y = 716.0;
    let mut detail = |label: &str, value: &str| {
        page.text(REGULAR, 10.0, LEFT, y, label);
        page.text(REGULAR, 10.0, LEFT + 90.0, y, value);
        y -= 15.0;
    };
    detail("Issued", issued.get(..10).unwrap_or(&issued));
    if let Some(name) = billed_to.name {
        detail("Billed to", name);
        detail("", billed_to.email);
    } else {
        detail("Billed to", billed_to.email);
    }
    detail("Invoice id", invoice.id.as_str());
    if let Some(payment) = invoice.payment_id() {
        detail("Payment", payment.as_str());
    }

    y -= 20.0;
    page.text(BOLD, 10.0, LEFT, y, "Description");
    page.text(BOLD, 10.0, QUANTITY_AT, y, "Qty");
    page.right_at(BOLD, 10.0, 440.0, y, "Unit price");
    page.right(BOLD, 10.0, y, "Amount");
    page.rule(y - 6.0);
    y -= 22.0;
    for line in &invoice.line_items {
        let description = page.fitted(&line.description, (QUANTITY_AT - 12.0 - LEFT) / 10.0);
        page.text(REGULAR, 10.0, LEFT, y, &description);
        page.text(REGULAR, 10.0, QUANTITY_AT, y, &line.quantity.to_string());
        page.right_at(FIXED, 10.0, 440.0, y, &amount(line.unit_amount));
        page.right(FIXED, 10.0, y, &amount(line.amount()));
        y -= 16.0;
    }
    page.rule(y + 6.0);
    y -= 14.0;
    for (label, value, font) in [
        ("Subtotal", invoice.subtotal, REGULAR),
        ("Tax", invoice.tax, REGULAR),
        ("Total", invoice.total(), BOLD),
    ] {
        page.text(font, 10.0, 360.0, y, label);
        page.right(FIXED, 10.0, y, &amount(value));
        y -= 16.0;
    }
    page.text(
        REGULAR,
        9.0,
        LEFT,
        y - 10.0,
        &format!(
            "Amounts in {}.",
            invoice.currency.code().to_ascii_uppercase()
        ),
    );
    page.finish(&title)
}

/// A credit (an adjustment with a negative amount) is a credit note, not a bill.
fn document_kind(invoice: &Invoice) -> &'static str {
    if invoice.is_credit() {
        "Credit note"
    } else {
        "Invoice"
    }
}

fn status_label(invoice: &Invoice) -> &'static str {
    match invoice.status {
        // Nothing is due on a credit: it is owed to the customer.
        InvoiceStatus::Outstanding if invoice.is_credit() => "CREDIT",
        InvoiceStatus::Paid => "PAID",
        InvoiceStatus::Outstanding => "DUE",
        InvoiceStatus::Void => "VOID",
        InvoiceStatus::Draft => "DRAFT",
        InvoiceStatus::Uncollectible => "UNCOLLECTIBLE",
    }
}

/// `text` in the base fonts' WinAnsi encoding, one byte per character (`?` for a control
/// character); `None` if a character has no byte there.
fn win_ansi(text: &str) -> Option<Vec<u8>> {
    text.chars().map(win_ansi_byte).collect()
}

/// `c`'s byte in WinAnsi (`?` for a control character), if it has one.
fn win_ansi_byte(c: char) -> Option<u8> {
    let mut buffer = [0u8; 4];
    let (bytes, _, unmappable) = WINDOWS_1252.encode(c.encode_utf8(&mut buffer));
    match *bytes {
        _ if c.is_control() => Some(b'?'),
        [byte] if !unmappable => Some(byte),
        _ => None,
    }
}

/// The Helvetica face `font` names; `None` for Courier, whose glyphs are all one width.
fn base_face(font: Name<'static>) -> Option<Face> {
    match font {
        REGULAR => Some(Face::Regular),
        BOLD => Some(Face::Bold),
        _ => None,
    }
}

/// `text` in parts that are all CJK (`true`) or have none, in order.
fn split_cjk(text: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let cjk = pdf_cjk::is_cjk(first);
        let end = rest
            .char_indices()
            .find(|&(_, c)| pdf_cjk::is_cjk(c) != cjk)
            .map_or(rest.len(), |(at, _)| at);
        let (part, after) = rest.split_at(end);
        rest = after;
        Some((cjk, part))
    })
}

/// The resource name of `language`'s font: CJK text is drawn in F5 to F8.
fn cjk_font_name(language: CjkLanguage) -> Name<'static> {
    Name(match language {
        CjkLanguage::Japanese => b"F5",
        CjkLanguage::Korean => b"F6",
        CjkLanguage::SimplifiedChinese => b"F7",
        CjkLanguage::TraditionalChinese => b"F8",
    })
}

/// A piece of text in one font, as the content stream shows it.
struct Piece {
    font: Name<'static>,
    /// Bold in a font of one face: filled and stroked.
    stroked: bool,
    codes: Vec<u8>,
}

/// A piece of text as the content stream shows it: one piece, or several where CJK characters
/// and others take turns.
#[derive(Default)]
struct Run {
    pieces: Vec<Piece>,
    /// In units of the font size.
    width: f32,
}

/// How a text's characters are measured, by the fonts that draw them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// All WinAnsi: Helvetica.
    Base,
    /// Some WinAnsi lacks, none CJK: DejaVu Sans.
    Unicode,
    /// Some CJK: one em each (half-width katakana half), the rest at the wider of Helvetica and
    /// DejaVu Sans, whichever draws it.
    Cjk,
}

impl Measure {
    fn of(text: &str) -> Self {
        if text.chars().any(pdf_cjk::is_cjk) {
            Self::Cjk
        } else if text.chars().all(|c| win_ansi_byte(c).is_some()) {
            Self::Base
        } else {
            Self::Unicode
        }
    }
}

/// The page's content, drawn top to bottom.
struct Page {
    content: Content,
    /// Draws and measures the text WinAnsi lacks; made for the first such text (most invoices
    /// have none).
    unicode: Option<UnicodeFont>,
    /// The language Han characters are drawn in, when nothing beside them says.
    han: CjkLanguage,
    /// The languages CJK text is drawn in: the fonts to write.
    cjk: BTreeSet<CjkLanguage>,
}

impl Page {
    fn new(han: CjkLanguage) -> Self {
        Self {
            content: Content::new(),
            unicode: None,
            han,
            cjk: BTreeSet::new(),
        }
    }

    /// `text` in `font`: its CJK characters in their language's font, the rest in `font` if
    /// WinAnsi has every character of it, else in the embedded font.
    fn run(&mut self, font: Name<'static>, text: &str) -> Run {
        let mut run = Run::default();
        for (cjk, part) in split_cjk(&pdf_rtl::visual(text)) {
            let (piece, width) = if cjk {
                self.cjk_piece(font, part)
            } else {
                self.piece(font, part)
            };
            run.pieces.push(piece);
            run.width += width;
        }
        run
    }

    /// `text` (no CJK) as one piece, and its width.
    fn piece(&mut self, font: Name<'static>, text: &str) -> (Piece, f32) {
        match win_ansi(text) {
            Some(codes) => {
                let width = match base_face(font) {
                    Some(face) => text.chars().map(|c| helvetica::width_bound(face, c)).sum(),
                    None => codes.len() as f32 * FIXED_ADVANCE,
                };
                let piece = Piece {
                    font,
                    stroked: false,
                    codes,
                };
                (piece, width)
            }
            None => {
                let shaped = self.unicode().shape(text);
                let piece = Piece {
                    font: UNICODE,
                    stroked: font == BOLD,
                    codes: shaped.codes,
                };
                (piece, shaped.width)
            }
        }
    }

    /// `text` (all CJK) as one piece in its language's font, and its width.
    fn cjk_piece(&mut self, font: Name<'static>, text: &str) -> (Piece, f32) {
        let language = CjkLanguage::of(text, self.han);
        self.cjk.insert(language);
        let piece = Piece {
            font: cjk_font_name(language),
            stroked: font == BOLD,
            codes: pdf_cjk::encode(text),
        };
        (piece, text.chars().map(pdf_cjk::advance).sum())
    }

    fn unicode(&mut self) -> &mut UnicodeFont {
        self.unicode.get_or_insert_with(UnicodeFont::new)
    }

    /// `text`, cut and ended with `…` if it is wider than `room` (in units of the font size)
    /// in the fonts that draw it.
    fn fitted(&mut self, text: &str, room: f32) -> String {
        let measure = Measure::of(text);
        let unicode = (measure != Measure::Base).then(|| &*self.unicode());
        let width = |c: char| match (measure, unicode) {
            (Measure::Cjk, _) if pdf_cjk::is_cjk(c) => pdf_cjk::advance(c),
            (Measure::Cjk, Some(font)) if win_ansi_byte(c).is_some() => font
                .advance(c)
                .max(helvetica::width_bound(Face::Regular, c)),
            (_, Some(font)) => font.advance(c),
            (_, None) => helvetica::width_bound(Face::Regular, c),
        };
        // Measured as drawn: joined Arabic letters are narrower than the letters apart.
        let fits = |text: &str| pdf_rtl::visual(text).chars().map(width).sum::<f32>() <= room;
        if fits(text) {
            return text.to_owned();
        }
        let cut_at = |end: usize| format!("{}…", text[..end].trim_end());
        let end = if pdf_rtl::is_reordered(text) {
            // Each cut measured again, each letter taking its form from its neighbours: the
            // longest cut that fits is found by halving, a few cuts shaped rather than one per
            // character.
            let ends: Vec<usize> = text
                .char_indices()
                .map(|(at, c)| at + c.len_utf8())
                .collect();
            let fitting = ends.partition_point(|&end| fits(&cut_at(end)));
            fitting.checked_sub(1).map_or(0, |last| ends[last])
        } else {
            // Each character adds its own width: one pass.
            let mut left = room - width('…');
            text.char_indices()
                .take_while(|&(_, c)| {
                    left -= width(c);
                    left >= 0.0
                })
                .last()
                .map_or(0, |(at, c)| at + c.len_utf8())
        };
        let cut = cut_at(end);
        // Cut before the characters that needed another font, the rest is drawn in fewer
        // fonts: measured again in them.
        if Measure::of(&cut) != measure {
            self.fitted(&cut, room)
        } else {
            cut
        }
    }

    fn text(&mut self, font: Name<'static>, size: f32, x: f32, y: f32, text: &str) {
        let run = self.run(font, text);
        self.show(&run, size, x, y);
    }

    fn show(&mut self, run: &Run, size: f32, x: f32, y: f32) {
        let stroked = run.pieces.iter().any(|piece| piece.stroked);
        if stroked {
            // The stroke's width and the rendering mode are graphics state: kept to this text.
            self.content
                .save_state()
                .set_line_width(size * STROKED_BOLD);
        }
        let text = self.content.begin_text();
        for (i, piece) in run.pieces.iter().enumerate() {
            if stroked {
                text.set_text_rendering_mode(if piece.stroked {
                    TextRenderingMode::FillStroke
                } else {
                    TextRenderingMode::Fill
                });
            }
            text.set_font(piece.font, size);
            // Each piece goes on where the one before it ended.
            if i == 0 {
                text.next_line(x, y);
            }
            text.show(Str(&piece.codes));
        }
        text.end_text();
        if stroked {
            self.content.restore_state();
        }
    }

    /// `text` ending at the right margin.
    fn right(&mut self, font: Name<'static>, size: f32, y: f32, text: &str) {
        self.right_at(font, size, RIGHT, y, text);
    }

    fn right_at(&mut self, font: Name<'static>, size: f32, right: f32, y: f32, text: &str) {
        let run = self.run(font, text);
        self.show(&run, size, right - run.width * size, y);
    }

    fn rule(&mut self, y: f32) {
        self.content
            .set_line_width(0.5)
            .set_stroke_gray(0.75)
            .move_to(LEFT, y)
            .line_to(RIGHT, y)
            .stroke();
    }

    fn finish(self, title: &str) -> Result<Vec<u8>, subsetter::Error> {
        let catalog = Ref::new(1);
        let pages = Ref::new(2);
        let page = Ref::new(3);
        let contents = Ref::new(4);
        let fonts = [
            (REGULAR, Ref::new(5), Name(b"Helvetica")),
            (BOLD, Ref::new(6), Name(b"Helvetica-Bold")),
            (FIXED, Ref::new(7), Name(b"Courier")),
        ];
        let info = Ref::new(8);
        // Made to measure a description that was then cut to WinAnsi, it drew nothing.
        let used = self.unicode.as_ref().filter(|font| font.is_used());
        let unicode = FontRefs {
            font: Ref::new(9),
            descendant: Ref::new(10),
            descriptor: Ref::new(11),
            file: Ref::new(12),
            to_unicode: Ref::new(13),
        };
        // Three objects per language drawn, after the others.
        let cjk: Vec<CjkRefs> = (0..self.cjk.len() as i32)
            .map(|n| CjkRefs {
                font: Ref::new(14 + 3 * n),
                descendant: Ref::new(15 + 3 * n),
                descriptor: Ref::new(16 + 3 * n),
            })
            .collect();
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(pages);
        pdf.pages(pages).kids([page]).count(1);
        {
            let mut writer = pdf.page(page);
            writer
                .parent(pages)
                .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .contents(contents);
            let mut resources = writer.resources();
            let mut font_names = resources.fonts();
            for (name, id, _) in fonts {
                font_names.pair(name, id);
            }
            if used.is_some() {
                font_names.pair(UNICODE, unicode.font);
            }
            for (&language, refs) in self.cjk.iter().zip(&cjk) {
                font_names.pair(cjk_font_name(language), refs.font);
            }
        }
        if let Some(font) = used {
            font.write(&mut pdf, &unicode)?;
        }
        for (&language, refs) in self.cjk.iter().zip(&cjk) {
            pdf_cjk::write(&mut pdf, language, refs);
        }
        for (_, id, base) in fonts {
            pdf.type1_font(id)
                .base_font(base)
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info)
            .title(TextStr(title))
            .producer(TextStr("commet-payments"));
        pdf.stream(contents, &self.content.finish());
        Ok(pdf.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::CustomerId;
    use crate::domain::payment::tests::link;
    use crate::domain::time::Timestamp;

    fn invoice() -> Invoice {
        let mut payment = link();
        payment.description =
            crate::domain::text::Description::parse("Café crème × 2 — Paris").unwrap();
        let at = Timestamp::parse("2026-03-01T10:00:00.000Z").unwrap();
        let mut invoice =
            Invoice::for_payment(&payment, CustomerId::generate(), InvoiceStatus::Paid, at);
        invoice.tax = 181;
        invoice
    }

    #[test]
    fn the_pdf_shows_the_invoice_in_win_ansi_text() {
        let invoice = invoice();
        let bytes = invoice_pdf(
            "Ada's Shop",
            &BilledTo {
                email: "ada@example.com",
                name: Some("Ada Lovelace"),
            },
            &invoice,
        )
        .unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.ends_with(b"%%EOF") || bytes.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&bytes);
        for part in [
            "(Invoice INV-000001)",
            "(PAID)",
            "($25.00)",
            "($1.81)",
            "($26.81)",
            "(2026-03-01)",
            "(Ada Lovelace)",
            "(ada@example.com)",
            "/WinAnsiEncoding",
            "/Helvetica",
            "/Courier",
            // The description in WinAnsi bytes, which pdf-writer writes in hex.
            "<436166E9206372E86D6520D720322097205061726973>",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        // All of it WinAnsi: nothing embedded, nothing stroked.
        assert!(!text.contains("/FontFile2"), "{text}");
        assert!(!text.contains(" Tr"), "{text}");
        // é is one WinAnsi byte, × and — too; the Japanese characters have none.
        let description = win_ansi("Café crème × 2 — Paris");
        assert_eq!(description.unwrap(), b"Caf\xe9 cr\xe8me \xd7 2 \x97 Paris");
        assert_eq!(win_ansi("東京"), None);
    }

    #[test]
    fn text_beyond_win_ansi_is_drawn_in_the_embedded_font_and_the_rest_stays_in_the_base_fonts() {
        let mut invoice = invoice();
        invoice.currency = crate::domain::money::Currency::parse("inr").unwrap();
        let bytes = invoice_pdf(
            "Ёлка",
            &BilledTo {
                email: "anna@example.com",
                name: Some("Анна Петрова"),
            },
            &invoice,
        )
        .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for part in [
            "(Invoice INV-000001)",
            "(anna@example.com)",
            "/F4",
            "/FontFile2",
            "/ToUnicode",
            // The merchant's name, bold, in a font of one face: filled and stroked.
            "2 Tr",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        // The rupee amounts are in the embedded font, not `?` in Courier.
        assert!(!text.contains("(?"), "{text}");
        // The font holds what the page draws, not the whole face (DejaVu Sans is 757 KB).
        assert!(bytes.len() < 40_000, "{}", bytes.len());
    }

    #[test]
    fn right_aligned_words_end_at_their_edge_by_their_face_widths() {
        let mut page = Page::new(CjkLanguage::SimplifiedChinese);
        // Helvetica-Bold's A, m, o, u, n, t: 722 + 889 + 611 + 611 + 611 + 333.
        let amount = page.run(BOLD, "Amount");
        assert!((amount.width - 3.777).abs() < 1e-4, "{}", amount.width);
        // The same word in the regular face: 667 + 833 + 556 + 556 + 556 + 278.
        let regular = page.run(REGULAR, "Amount");
        assert!((regular.width - 3.446).abs() < 1e-4, "{}", regular.width);
        assert!((page.run(FIXED, "$25.00").width - 3.6).abs() < 1e-4);
        // Placed so that it ends at the right margin: 539 - 37.77.
        page.right(BOLD, 10.0, 700.0, "Amount");
        let stream = String::from_utf8(page.content.finish().to_vec()).unwrap();
        assert!(stream.contains("501.23 700 Td"), "{stream}");
    }

    #[test]
    fn cjk_text_is_drawn_in_its_language_s_standard_font_beside_the_rest() {
        let mut invoice = invoice();
        invoice.currency = crate::domain::money::Currency::parse("jpy").unwrap();
        invoice.line_items[0].description = "月額プラン (Pro) 김민준 ﾔﾏﾀﾞ".into();
        let bytes = invoice_pdf(
            "東京ショップ",
            &BilledTo {
                email: "taro@example.jp",
                name: Some("𠮷田太郎"),
            },
            &invoice,
        )
        .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for part in [
            // The name in UTF-16, in the Japanese font (the invoice is in yen): 𠮷 is beyond the
            // Basic Multilingual Plane, a surrogate pair.
            "/F5 10 Tf",
            "<D842DFB77530592A90CE>",
            "/HeiseiKakuGo-W5",
            "/UniJIS-UTF16-H",
            // The Korean name in the description, in the Korean font; the Latin between them in
            // Helvetica, in the same text object.
            "/HYGoThic-Medium",
            "/UniKS-UTF16-H",
            "/F6 10 Tf",
            "/F1 10 Tf\n( (Pro) ) Tj",
            // The merchant's name is bold in a font of one face: filled and stroked.
            "2 Tr",
            // Amounts in yen, in Courier's WinAnsi.
            "<A5322C353030> Tj",
            // Half-width katakana in the Japanese font, half an em wide there.
            "<FF94FF8FFF80FF9E>",
            "/W [327 389 500]",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        // Nothing is `?`, no font is embedded for CJK, and no map back to text is needed: the
        // codes are the text's own UTF-16.
        assert!(!text.contains("(?"), "{text}");
        assert!(!text.contains("/FontFile"), "{text}");
        assert!(!text.contains("/ToUnicode"), "{text}");
        assert!(bytes.len() < 10_000, "{}", bytes.len());
    }

    #[test]
    fn a_hebrew_and_arabic_invoice_draws_every_letter() {
        let mut invoice = invoice();
        invoice.currency = crate::domain::money::Currency::parse("ils").unwrap();
        invoice.line_items[0].description = "ייעוץ (שעתיים) — استشارة".into();
        let bytes = invoice_pdf(
            "شركة الأمل (المحدودة) Ltd.",
            &BilledTo {
                email: "david@example.co.il",
                name: Some("דוד כהן, רחוב הרצל 12"),
            },
            &invoice,
        )
        .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        // In the embedded font, copied as their letters: ד, ש, and lam-alef with hamza above
        // as its alef and lam.
        for part in ["/F4", "/ToUnicode", "<05D3>", "<0634>", "<06230644>"] {
            assert!(text.contains(part), "{part} in {text}");
        }
        // No letter is `?`.
        assert!(!text.contains("<003F>"), "{text}");
    }

    #[test]
    fn a_credit_is_a_credit_note_of_negative_amounts_and_no_payment() {
        use crate::domain::invoice::{AdjustmentAmount, NewAdjustment};
        let credit = Invoice::adjustment(
            NewAdjustment {
                customer_id: CustomerId::generate(),
                amount: AdjustmentAmount::new(-1250).unwrap(),
                currency: crate::domain::money::Currency::parse("usd").unwrap(),
                description: crate::domain::text::Description::parse("Outage credit").unwrap(),
                metadata: None,
            },
            Timestamp::now(),
            false,
        );
        let bytes = invoice_pdf(
            "Shop",
            &BilledTo {
                email: "ada@example.com",
                name: None,
            },
            &credit,
        )
        .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for part in [
            "(Credit note INV-000001)",
            "(CREDIT)",
            "(-$12.50)",
            "($0.00)",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(!text.contains("(Payment)"), "{text}");
        assert!(!text.contains("(DUE)"), "{text}");
    }

    #[test]
    fn right_to_left_text_is_drawn_in_display_order_and_cut_as_drawn() {
        let mut page = Page::new(CjkLanguage::SimplifiedChinese);
        let run = page.run(BOLD, "דוד כהן (בע״מ)");
        let font = page.unicode.as_ref().unwrap();
        let drawn: String = run.pieces.iter().map(|p| font.text_of(&p.codes)).collect();
        assert_eq!(drawn, "(מ״עב) ןהכ דוד");
        assert!(run.pieces.iter().all(|p| p.font == UNICODE && p.stroked));

        let room = (QUANTITY_AT - 12.0 - LEFT) / 10.0;
        let font = UnicodeFont::new();
        let width =
            |text: &str| -> f32 { pdf_rtl::visual(text).chars().map(|c| font.advance(c)).sum() };
        for long in ["سلام عليكم ".repeat(20), "שירותי ייעוץ ".repeat(20)] {
            let fitted = page.fitted(&long, room);
            assert!(width(&fitted) <= room, "{fitted}");
            // The line ends on the left, with the `…`.
            assert!(pdf_rtl::visual(&fitted).starts_with('…'), "{fitted}");
            // Nothing more would have fitted.
            let kept = fitted.trim_end_matches('…');
            let rest = &long[kept.len()..];
            let next = rest
                .char_indices()
                .find(|(_, c)| !c.is_whitespace())
                .map(|(at, c)| kept.len() + at + c.len_utf8())
                .unwrap();
            assert!(width(&format!("{}…", &long[..next])) > room, "{fitted}");
        }
    }

    #[test]
    fn long_descriptions_are_cut_and_control_characters_hidden() {
        let mut page = Page::new(CjkLanguage::SimplifiedChinese);
        let font = UnicodeFont::new();
        let room = (QUANTITY_AT - 12.0 - LEFT) / 10.0;
        // As wide as the fonts that draw it make it: Helvetica's widths (its widest glyph
        // for any but ASCII) if WinAnsi has all of it; with CJK, an em for each CJK character
        // and the wider of Helvetica and DejaVu Sans for the rest; else DejaVu Sans's.
        let helvetica = |c| helvetica::width_bound(Face::Regular, c);
        let width = |text: &str| -> f32 {
            if text.chars().any(pdf_cjk::is_cjk) {
                text.chars()
                    .map(|c| match c {
                        c if pdf_cjk::is_cjk(c) => pdf_cjk::advance(c),
                        c if win_ansi_byte(c).is_some() => font.advance(c).max(helvetica(c)),
                        c => font.advance(c),
                    })
                    .sum()
            } else if text.chars().all(|c| win_ansi_byte(c).is_some()) {
                text.chars().map(helvetica).sum()
            } else {
                text.chars().map(|c| font.advance(c)).sum()
            }
        };
        for glyph in ['x', 'W', 'J', 'ж', 'i', '東', 'é', '한', 'ｶ'] {
            let long: String = std::iter::repeat_n(glyph, 200).collect();
            let fitted = page.fitted(&long, room);
            assert!(fitted.ends_with('…'), "{fitted}");
            assert!(width(&fitted) <= room, "{fitted}");
            // Nothing more would have fitted.
            let one_more = format!("{}{glyph}…", fitted.trim_end_matches('…'));
            assert!(width(&one_more) > room, "{fitted}");
        }
        // Cut before the only character WinAnsi lacks, it is drawn, and measured, in Helvetica
        // (J is far wider there than in DejaVu Sans).
        let fitted = page.fitted(&format!("{}東", "J".repeat(100)), room);
        assert!(
            win_ansi(&fitted).is_some() && width(&fitted) <= room,
            "{fitted}"
        );
        // CJK is an em a character: 24 of them and `…` in the room of 25.2 em.
        let japanese = page.fitted(&"東京都渋谷区".repeat(10), room);
        assert_eq!(japanese.chars().count(), 24 + 1, "{japanese}");
        // Half-width katakana half an em: about twice as many.
        let kana = page.fitted(&"ﾔﾏﾀﾞﾀﾛｳ".repeat(10), room);
        assert!(kana.chars().count() > 45, "{kana}");
        // Cut before the CJK, the rest is measured in DejaVu Sans alone.
        let fitted = page.fitted(&format!("{}東", "ж".repeat(100)), room);
        assert!(!fitted.contains('東') && width(&fitted) <= room, "{fitted}");
        assert!(width(&format!("ж{fitted}")) > room, "{fitted}");
        // A Cyrillic description is measured in DejaVu Sans: about twice the characters of a
        // bound that took Helvetica's widest glyph for each.
        let cyrillic = page.fitted(&"обслуживание ".repeat(10), room);
        assert!(cyrillic.chars().count() > 36, "{cyrillic}");
        assert_eq!(page.fitted("short", room), "short");
        assert_eq!(win_ansi("a\u{7}b(c)").unwrap(), b"a?b(c)");
    }
}
