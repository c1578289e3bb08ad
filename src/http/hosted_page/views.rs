//! What each hosted page shows, as templates (`templates/hosted_page/`). Askama escapes every
//! value a template shows for HTML, so nothing here escapes by hand.

use askama::Template;

use super::form::FormState;
use crate::domain::money::for_payer;
use crate::domain::payment::Payment;

/// The order as the payer reads it.
pub struct Summary {
    pub description: String,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
}

impl Summary {
    pub fn of(payment: &Payment) -> Self {
        let amount = |minor_units| for_payer(minor_units, &payment.currency);
        Self {
            description: payment.description.as_str().to_owned(),
            subtotal: amount(payment.amounts.subtotal),
            tax: amount(payment.amounts.tax),
            total: amount(payment.amounts.total()),
        }
    }
}

/// The card form of a link that can be paid.
#[derive(Template)]
#[template(path = "hosted_page/pay.html")]
pub struct PayForm<'a> {
    /// Whom the payer pays.
    pub merchant: Option<&'a str>,
    pub summary: Summary,
    pub payment_id: &'a str,
    pub csrf: &'a str,
    /// A link without a customer asks for the payer's e-mail (for the receipt, and the
    /// customer the card is vaulted on).
    pub asks_email: bool,
    pub sandbox: bool,
    pub form: &'a FormState,
    /// Set when Stripe.js takes the card (live links): no card fields of ours.
    pub stripe: Option<StripeCard<'a>>,
}

/// What the page's script needs to let Stripe.js take the card.
pub struct StripeCard<'a> {
    pub js_url: &'a str,
    pub publishable_key: &'a str,
    /// The connected Stripe account (Connect) the card is taken for, if not the deployment's.
    pub stripe_account: Option<&'a str>,
    /// The SetupIntent's client secret, which Stripe.js confirms the card with.
    pub client_secret: &'a str,
    /// Marks the page's own script for the Content-Security-Policy.
    pub nonce: &'a str,
}

/// The step where Stripe.js has the payer authenticate with their bank (3-D Secure), then
/// returns to the page with the PaymentIntent's id.
#[derive(Template)]
#[template(path = "hosted_page/authenticate.html")]
pub struct Authenticate<'a> {
    pub merchant: Option<&'a str>,
    pub summary: Summary,
    pub payment_id: &'a str,
    pub csrf: &'a str,
    pub intent_id: &'a str,
    pub stripe: StripeCard<'a>,
}

/// A paid link.
#[derive(Template)]
#[template(path = "hosted_page/paid.html")]
pub struct Paid<'a> {
    pub merchant: Option<&'a str>,
    pub summary: Summary,
    /// The invoice number, right after paying.
    pub invoice: Option<String>,
    pub return_url: Option<&'a str>,
}

/// A page that only says something.
#[derive(Template)]
#[template(path = "hosted_page/notice.html")]
pub struct Notice<'a> {
    pub merchant: Option<&'a str>,
    pub title: &'a str,
    pub message: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_a_page_shows_is_escaped() {
        let html = Notice {
            merchant: Some("<b>Shop</b> & co"),
            title: "\"quoted\"",
            message: "<script>alert(1)</script>",
        }
        .render()
        .unwrap();
        assert!(html.contains("&#60;b&#62;Shop&#60;/b&#62; &#38; co"));
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
        assert!(html.contains("&#34;quoted&#34;"));
        assert!(!html.contains("<script>") && !html.contains("<b>"));
    }

    #[test]
    fn what_merchants_wrote_is_isolated_from_the_page_s_own_words() {
        let html = Paid {
            merchant: Some("שלום בע״מ"),
            summary: Summary {
                description: "ייעוץ (2 שעות)".into(),
                subtotal: "₪25.00".into(),
                tax: "₪0.00".into(),
                total: "₪25.00".into(),
            },
            invoice: Some("INV-000001".into()),
            return_url: Some("https://shop.example/done"),
        }
        .render()
        .unwrap();
        // A name or description written right to left reads as written, whatever its
        // punctuation and the English around it.
        for isolated in [
            "<p class=\"merchant\"><bdi>שלום בע״מ</bdi></p>",
            "<p><bdi>ייעוץ (2 שעות)</bdi></p>",
            "Return to <bdi>שלום בע״מ</bdi></a>",
        ] {
            assert!(html.contains(isolated), "{isolated} in {html}");
        }
    }
}
