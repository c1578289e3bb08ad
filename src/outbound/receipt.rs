//! A receipt (or an outstanding invoice's bill, or a credit note) as an e-mail: HTML and plain text from templates
//! (`templates/receipt/`). Askama escapes every value the HTML shows, and `<bdi>` isolates what
//! merchants and payers wrote from the English around it; the text template shows them as they
//! are, isolated with Unicode's marks where they need it (`domain::isolation`), as is the subject.

use askama::Template;

use super::mail::Mail;
use crate::domain::receipt::{ReceiptContent, Standing};

mod filters {
    use crate::domain::isolation;

    #[askama::filter_fn]
    pub fn isolated(text: impl AsRef<str>, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(isolation::isolated(text.as_ref()).into_owned())
    }
}

#[derive(Template)]
#[template(path = "receipt/receipt.html")]
struct Html<'a> {
    receipt: &'a ReceiptContent,
}

#[derive(Template)]
#[template(path = "receipt/receipt.txt", escape = "none")]
struct Text<'a> {
    receipt: &'a ReceiptContent,
}

#[derive(Template)]
#[template(path = "receipt/invoice_due.html")]
struct DueHtml<'a> {
    receipt: &'a ReceiptContent,
}

#[derive(Template)]
#[template(path = "receipt/invoice_due.txt", escape = "none")]
struct DueText<'a> {
    receipt: &'a ReceiptContent,
}

#[derive(Template)]
#[template(path = "receipt/credit_note.html")]
struct CreditHtml<'a> {
    receipt: &'a ReceiptContent,
}

#[derive(Template)]
#[template(path = "receipt/credit_note.txt", escape = "none")]
struct CreditText<'a> {
    receipt: &'a ReceiptContent,
}

/// The e-mail of `receipt` to `to`.
pub fn receipt_mail(to: &str, receipt: &ReceiptContent) -> Result<Mail, askama::Error> {
    let (html, text) = match receipt.standing {
        Standing::Paid => (Html { receipt }.render()?, Text { receipt }.render()?),
        Standing::Due => (DueHtml { receipt }.render()?, DueText { receipt }.render()?),
        Standing::Credit => (
            CreditHtml { receipt }.render()?,
            CreditText { receipt }.render()?,
        ),
    };
    Ok(Mail {
        to: to.to_owned(),
        sender_name: receipt.merchant.clone(),
        subject: receipt.subject(),
        html,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ReceiptContent {
        ReceiptContent {
            standing: Standing::Paid,
            merchant: "Ada's <Shop> & Co".into(),
            description: "Order <b>#1</b>".into(),
            subtotal: "$25.00".into(),
            tax: "$1.81".into(),
            total: "$26.81".into(),
            currency: "USD".into(),
            invoice_number: "INV-000001".into(),
            card: Some("Visa ending in 4242".into()),
            date: "2026-11-29".into(),
            payment_id: Some("pay_01KEVENTSPAYMENT0000000001".into()),
        }
    }

    #[test]
    fn html_escapes_what_merchants_and_payers_wrote_and_text_keeps_it() {
        let mail = receipt_mail("payer@example.com", &content()).unwrap();
        assert!(
            mail.html.contains("Ada&#39;s &#60;Shop&#62; &#38; Co"),
            "{}",
            mail.html
        );
        assert!(mail.html.contains("Order &#60;b&#62;#1&#60;/b&#62;"));
        assert!(!mail.html.contains("<b>#1"));
        // Isolated, so that a name or description written right to left reads as written
        // whatever stands beside it.
        for isolated in [
            "<bdi>Ada&#39;s &#60;Shop&#62; &#38; Co</bdi>",
            "<bdi>Order &#60;b&#62;#1&#60;/b&#62;</bdi>",
        ] {
            assert!(mail.html.contains(isolated), "{isolated} in {}", mail.html);
        }
        assert!(mail.text.contains("Order <b>#1</b>: $25.00"));
        for part in [
            "$26.81",
            "$1.81",
            "INV-000001",
            "Visa ending in 4242",
            "2026-11-29",
            "pay_01KEVENTSPAYMENT0000000001",
        ] {
            assert!(
                mail.html.contains(part) && mail.text.contains(part),
                "{part}"
            );
        }
        assert_eq!(
            mail.subject,
            "Your receipt from Ada's <Shop> & Co (INV-000001)"
        );
    }

    #[test]
    fn an_outstanding_invoice_is_mailed_as_a_bill_escaped_the_same_way() {
        let due = ReceiptContent {
            standing: Standing::Due,
            card: None,
            ..content()
        };
        let mail = receipt_mail("payer@example.com", &due).unwrap();
        assert!(
            mail.html
                .contains("from <bdi>Ada&#39;s &#60;Shop&#62; &#38; Co</bdi> is")
        );
        assert!(!mail.html.contains("<b>#1"));
        for part in ["Amount due (USD)", "$26.81 due", "Issued", "2026-11-29"] {
            assert!(
                mail.html.contains(part) && mail.text.contains(part),
                "{part}"
            );
        }
        assert!(!mail.text.contains("Thank you for your payment"));
        assert!(!mail.text.contains("Paid with"));
        assert_eq!(
            mail.subject,
            "Invoice INV-000001 from Ada's <Shop> & Co: $26.81 due"
        );
    }

    #[test]
    fn a_credit_is_mailed_as_a_credit_note_naming_no_payment() {
        let credit = ReceiptContent {
            standing: Standing::Credit,
            subtotal: "-$12.50".into(),
            tax: "$0.00".into(),
            total: "-$12.50".into(),
            card: None,
            payment_id: None,
            ..content()
        };
        let mail = receipt_mail("payer@example.com", &credit).unwrap();
        assert!(
            mail.html
                .contains("<bdi>Ada&#39;s &#60;Shop&#62; &#38; Co</bdi> has credited")
        );
        for part in ["Credited (USD)", "-$12.50", "nothing to pay", "Issued"] {
            assert!(
                mail.html.contains(part) && mail.text.contains(part),
                "{part}"
            );
        }
        for absent in ["Payment", "Amount due", "Thank you for your payment"] {
            assert!(
                !mail.html.contains(absent) && !mail.text.contains(absent),
                "{absent}"
            );
        }
        assert_eq!(
            mail.subject,
            "Credit note INV-000001 from Ada's <Shop> & Co: -$12.50 credited"
        );
    }

    #[test]
    fn right_to_left_names_are_isolated_in_the_subject_and_the_text() {
        let hebrew = ReceiptContent {
            merchant: "חנות דוד".into(),
            description: "طلب ١".into(),
            ..content()
        };
        let mail = receipt_mail("payer@example.com", &hebrew).unwrap();
        assert_eq!(
            mail.subject,
            "Your receipt from \u{2068}חנות דוד\u{2069} (INV-000001)"
        );
        assert!(
            mail.text.starts_with("\u{2068}חנות דוד\u{2069}\n"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("\n\u{2068}طلب ١\u{2069}: $25.00\n"));
        // The HTML isolates with <bdi>, not with marks.
        assert!(mail.html.contains("<bdi>חנות דוד</bdi>"));
        assert!(!mail.html.contains('\u{2068}'));
        for (standing, subject) in [
            (
                Standing::Due,
                "Invoice INV-000001 from \u{2068}חנות דוד\u{2069}: $26.81 due",
            ),
            (
                Standing::Credit,
                "Credit note INV-000001 from \u{2068}חנות דוד\u{2069}: $26.81 credited",
            ),
        ] {
            let other = ReceiptContent {
                standing,
                ..hebrew.clone()
            };
            let mail = receipt_mail("payer@example.com", &other).unwrap();
            assert_eq!(mail.subject, subject);
            assert!(
                mail.text.contains("from \u{2068}חנות דוד\u{2069}")
                    || mail
                        .text
                        .contains("\n\u{2068}חנות דוד\u{2069} has credited"),
                "{}",
                mail.text
            );
        }
    }
}
