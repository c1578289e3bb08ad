//! A receipt as an e-mail: HTML and plain text from templates (`templates/receipt/`). Askama
//! escapes every value the HTML shows; the text template shows them as they are.

use askama::Template;

use super::mail::Mail;
use crate::domain::receipt::ReceiptContent;

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

/// The e-mail of `receipt` to `to`.
pub fn receipt_mail(to: &str, receipt: &ReceiptContent) -> Result<Mail, askama::Error> {
    Ok(Mail {
        to: to.to_owned(),
        subject: receipt.subject(),
        html: Html { receipt }.render()?,
        text: Text { receipt }.render()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ReceiptContent {
        ReceiptContent {
            merchant: "Ada's <Shop> & Co".into(),
            description: "Order <b>#1</b>".into(),
            subtotal: "$25.00".into(),
            tax: "$1.81".into(),
            total: "$26.81".into(),
            currency: "USD".into(),
            invoice_number: "INV-000001".into(),
            card: Some("Visa ending in 4242".into()),
            date: "2026-11-29".into(),
            payment_id: "pay_01KEVENTSPAYMENT0000000001".into(),
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
}
