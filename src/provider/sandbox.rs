//! The built-in sandbox provider (`commet`): moves no money, and decides outcomes by the test
//! cards of docs/contract.md §4. Deterministic, so executing a request again gives the same
//! outcome.

use ulid::Ulid;

use super::{
    Amount, CardOutcome, ChargeOutcome, ChargeRequest, Charged, PaymentProvider, ProviderError,
};
use crate::domain::card::{CardDetails, PaymentMethod};
use crate::domain::ids::PaymentId;
use crate::domain::payment::{Dispute, DisputeStatus, Failure, Payment, Provider};

#[derive(Debug, Clone, Copy, Default)]
pub struct Sandbox;

/// What a test card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TestCard {
    Succeeds,
    Declined,
    InsufficientFunds,
    RequiresAction,
    /// Pays on the hosted page, then declines every off-session charge.
    DeclinesOffSession,
    /// Pays, on the page and off-session, and every payment it makes is disputed at once.
    Disputed,
    /// Any other valid number: sandbox accounts accept only test cards.
    Unknown,
}

impl TestCard {
    fn of(digits: &str) -> Self {
        match digits {
            "4242424242424242" => Self::Succeeds,
            "4000000000000002" => Self::Declined,
            "4000000000009995" => Self::InsufficientFunds,
            "4000002760003184" => Self::RequiresAction,
            "4000000000000341" => Self::DeclinesOffSession,
            "4000000000000259" => Self::Disputed,
            _ => Self::Unknown,
        }
    }

    /// The vault token carries the card's sandbox behaviour, so that off-session charges of the
    /// vaulted card behave as the card does: `pm_sbx_<tag>_<ULID>`, its tag read back by
    /// `of_token`. No card number is in it.
    fn token_tag(self) -> &'static str {
        match self {
            Self::DeclinesOffSession => "offdecline",
            Self::Disputed => "dispute",
            _ => "ok",
        }
    }

    fn vault_token(self) -> String {
        format!("{TOKEN_PREFIX}{}_{}", self.token_tag(), Ulid::generate())
    }

    /// The card a vault token was made for (`vault_token`); `None` for any other token.
    fn of_token(token: &str) -> Option<Self> {
        let (tag, _) = token.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
        [Self::Succeeds, Self::DeclinesOffSession, Self::Disputed]
            .into_iter()
            .find(|card| card.token_tag() == tag)
    }
}

const TOKEN_PREFIX: &str = "pm_sbx_";

fn declined() -> Failure {
    Failure {
        code: "card_declined".into(),
        message: "The card was declined.".into(),
    }
}

impl Sandbox {
    /// The payer's card on the hosted page (sandbox only: with a real provider, card data goes
    /// to the provider from the payer's browser and never reaches these functions).
    pub async fn pay_with_card(
        &self,
        card: &CardDetails,
        _amount: Amount,
        _idempotency_key: &str,
    ) -> Result<CardOutcome, ProviderError> {
        let test_card = TestCard::of(card.number.digits());
        Ok(match test_card {
            TestCard::Succeeds | TestCard::DeclinesOffSession | TestCard::Disputed => {
                CardOutcome::Succeeded(PaymentMethod {
                    token: test_card.vault_token(),
                    brand: card.number.brand().as_str().to_owned(),
                    last4: card.number.last4(),
                    exp_month: card.expiry.month,
                    exp_year: card.expiry.year,
                    provider_customer: None,
                })
            }
            TestCard::Declined => CardOutcome::Declined(declined()),
            TestCard::InsufficientFunds => CardOutcome::Declined(Failure {
                code: "insufficient_funds".into(),
                message: "The card has insufficient funds.".into(),
            }),
            TestCard::RequiresAction => CardOutcome::RequiresAction(Failure {
                code: "authentication_required".into(),
                message: "The card issuer requires authentication, which the sandbox cannot \
                          perform. Try another card."
                    .into(),
            }),
            TestCard::Unknown => CardOutcome::Declined(Failure {
                code: "card_declined".into(),
                message: "Sandbox accounts accept only test cards, such as 4242 4242 4242 4242."
                    .into(),
            }),
        })
    }

    /// The dispute a sandbox `payment`, paid by `method`, carries from the moment it is paid:
    /// the dispute test card's, as Stripe's test card of the same number is disputed (as
    /// fraudulent, the whole amount) right after it pays. Recorded with the payment's
    /// completion, so that it cannot be lost between two writes.
    pub fn dispute_of(method: &PaymentMethod, payment: &Payment) -> Option<Dispute> {
        let disputed = TestCard::of_token(&method.token) == Some(TestCard::Disputed);
        (payment.provider == Provider::Commet && disputed).then(|| Dispute {
            id: payment
                .id
                .as_str()
                .replacen(PaymentId::PREFIX, "dp_sbx_", 1),
            amount: payment.amounts.total(),
            reason: Some("fraudulent".into()),
            status: DisputeStatus::Open,
        })
    }
}

impl PaymentProvider for Sandbox {
    fn provider(&self) -> Provider {
        Provider::Commet
    }

    /// Decided by the vaulted token alone, so asking again always gives the same answer.
    async fn charge_saved(&self, request: ChargeRequest<'_>) -> Result<Charged, ProviderError> {
        let outcome = match TestCard::of_token(&request.method.token) {
            Some(TestCard::Succeeds | TestCard::Disputed) => ChargeOutcome::Succeeded,
            _ => ChargeOutcome::Declined(declined()),
        };
        Ok(Charged {
            outcome,
            reference: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::card::{CardNumber, Cvc, Expiry};
    use crate::domain::money::Currency;
    use crate::domain::time::Timestamp;

    fn card(number: &str) -> CardDetails {
        CardDetails {
            number: CardNumber::parse(number).unwrap(),
            expiry: Expiry::parse("12/34", Timestamp::now()).unwrap(),
            cvc: Cvc::parse("123").unwrap(),
        }
    }

    fn amount() -> Amount {
        Amount {
            minor_units: 2500,
            currency: Currency::parse("usd").unwrap(),
        }
    }

    async fn pay(number: &str) -> CardOutcome {
        Sandbox
            .pay_with_card(&card(number), amount(), "k")
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn test_cards_decide_the_outcome() {
        let CardOutcome::Succeeded(method) = pay("4242 4242 4242 4242").await else {
            panic!("4242 must succeed");
        };
        assert_eq!(
            (method.brand.as_str(), method.last4.as_str()),
            ("visa", "4242")
        );
        assert_eq!((method.exp_month, method.exp_year), (12, 2034));
        assert!(
            !method.token.contains("4242424242424242"),
            "no card number in the token"
        );

        match pay("4000000000000002").await {
            CardOutcome::Declined(f) => assert_eq!(f.code, "card_declined"),
            other => panic!("{other:?}"),
        }
        match pay("4000000000009995").await {
            CardOutcome::Declined(f) => assert_eq!(f.code, "insufficient_funds"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            pay("4000002760003184").await,
            CardOutcome::RequiresAction(_)
        ));
        assert!(matches!(
            pay("5555555555554444").await,
            CardOutcome::Declined(_)
        ));
    }

    #[test]
    fn a_vault_token_names_the_card_it_was_made_for_and_nothing_else() {
        for card in [
            TestCard::Succeeds,
            TestCard::DeclinesOffSession,
            TestCard::Disputed,
        ] {
            assert_eq!(TestCard::of_token(&card.vault_token()), Some(card));
        }
        assert_eq!(
            TestCard::of_token("pm_sbx_ok_fixture"),
            Some(TestCard::Succeeds)
        );
        for other in [
            "pm_sbx_dispute",
            "pm_sbx_refund_01J",
            "pm_1Q0abc",
            "pm_sbx_",
            "",
        ] {
            assert_eq!(TestCard::of_token(other), None, "{other}");
        }
    }

    #[tokio::test]
    async fn the_0341_card_pays_once_then_declines_off_session() {
        let CardOutcome::Succeeded(risky) = pay("4000000000000341").await else {
            panic!("0341 pays on the page");
        };
        let CardOutcome::Succeeded(good) = pay("4242424242424242").await else {
            panic!();
        };
        let charge = |method| ChargeRequest {
            method,
            amount: amount(),
            payment_id: "pay_1",
            account_id: "acc_1",
            asked_before: false,
        };
        assert!(matches!(
            Sandbox.charge_saved(charge(&risky)).await.unwrap().outcome,
            ChargeOutcome::Declined(_)
        ));
        assert_eq!(
            Sandbox.charge_saved(charge(&good)).await.unwrap().outcome,
            ChargeOutcome::Succeeded
        );
    }

    #[tokio::test]
    async fn the_0259_card_pays_and_its_payments_are_disputed() {
        use crate::domain::payment::tests::link;
        let CardOutcome::Succeeded(disputed) = pay("4000 0000 0000 0259").await else {
            panic!("0259 pays on the page");
        };
        let CardOutcome::Succeeded(good) = pay("4242424242424242").await else {
            panic!();
        };
        let charged = Sandbox
            .charge_saved(ChargeRequest {
                method: &disputed,
                amount: amount(),
                payment_id: "pay_1",
                account_id: "acc_1",
                asked_before: false,
            })
            .await
            .unwrap();
        assert_eq!(
            charged.outcome,
            ChargeOutcome::Succeeded,
            "pays off-session"
        );

        let payment = link();
        let dispute = Sandbox::dispute_of(&disputed, &payment).expect("disputed");
        assert_eq!(
            dispute,
            Dispute {
                id: payment.id.as_str().replacen("pay_", "dp_sbx_", 1),
                amount: 2500,
                reason: Some("fraudulent".into()),
                status: DisputeStatus::Open,
            }
        );
        assert_eq!(Sandbox::dispute_of(&good, &payment), None);
        let at_stripe = Payment {
            provider: Provider::Stripe,
            ..payment
        };
        assert_eq!(
            Sandbox::dispute_of(&disputed, &at_stripe),
            None,
            "the sandbox decides only its own payments"
        );
    }
}
