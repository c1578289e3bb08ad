//! Receipts out: each settled payment's receipt (and each invoice sent on request) e-mailed to
//! its payer, first when the stream shows it written, then on the schedule until sent or out of
//! attempts. An attempt takes the receipt first (a lease on it), so two senders never mail it at
//! once; a duplicate is still possible when SES accepted a message and the record of it then
//! failed (the lease runs out and the schedule sends again). Each mail is counted in its
//! account's hour just before it goes, and taken back if SES refuses it (`domain::mail_cap`);
//! past the cap (the account's own, else the deployment's) it waits.

use tokio::task::JoinSet;

use super::App;
use crate::domain::delivery::{ATTEMPT_LEASE, later};
use crate::domain::ids::AccountId;
use crate::domain::mail_cap::{MailCap, MailHour};
use crate::domain::receipt::{Receipt, ReceiptContent, ReceiptStatus};
use crate::domain::time::Timestamp;
use crate::outbound::{Mailer, receipt_mail};
use crate::store::{ReceiptSources, StoreError};

/// What a run of receipt attempts did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptReport {
    pub attempts: usize,
    pub sent: usize,
    /// Not attempted: their accounts' mails for this hour were all sent.
    pub held_back: usize,
}

/// What became of one receipt this call took.
enum Taken {
    Attempted { sent: bool },
    HeldBack,
}

impl App {
    /// Sends the receipts of `receipts` (as the stream showed them written), all at once.
    pub async fn send_receipts(
        &'static self,
        mailer: &'static Mailer,
        receipts: Vec<(AccountId, Receipt)>,
    ) -> Result<ReceiptReport, StoreError> {
        let mut attempts = JoinSet::new();
        for (account, receipt) in receipts {
            attempts.spawn(async move { self.attempt_receipt(mailer, &account, &receipt).await });
        }
        let mut report = ReceiptReport::default();
        let mut failure = None;
        while let Some(joined) = attempts.join_next().await {
            match joined {
                Ok(Ok(Some(Taken::Attempted { sent }))) => {
                    report.attempts += 1;
                    report.sent += usize::from(sent);
                }
                Ok(Ok(Some(Taken::HeldBack))) => report.held_back += 1,
                Ok(Ok(None)) => {}
                Ok(Err(error)) => failure = Some(error),
                Err(panicked) => {
                    failure = Some(StoreError::Internal(format!("receipt task: {panicked}")))
                }
            }
        }
        failure.map_or(Ok(report), Err)
    }

    /// Sends the receipts that are due (at most `limit`).
    pub async fn retry_due_receipts(
        &'static self,
        mailer: &'static Mailer,
        limit: usize,
    ) -> Result<ReceiptReport, StoreError> {
        let due = self.store.due_receipts(Timestamp::now(), limit).await?;
        self.send_receipts(mailer, due).await
    }

    /// One attempt, if this call can take the receipt (`None` when someone else has it or it
    /// is no longer pending). A mail past its account's cap for this hour is not attempted: it
    /// waits for the next hour.
    async fn attempt_receipt(
        &self,
        mailer: &Mailer,
        account: &AccountId,
        receipt: &Receipt,
    ) -> Result<Option<Taken>, StoreError> {
        if receipt.status != ReceiptStatus::Pending {
            return Ok(None);
        }
        let now = Timestamp::now();
        if !self
            .store
            .lease_receipt(account, receipt, later(now, ATTEMPT_LEASE))
            .await?
        {
            return Ok(None);
        }
        // Nothing to send (the invoice voided or gone, the mail unrenderable) is given up at
        // once; only the mail service failing is tried again on the schedule.
        let mail = match self.receipt_content(account, receipt).await? {
            Ok((content, cap)) => receipt_mail(&receipt.email, &content)
                .map(|mail| (mail, cap))
                .map_err(|error| format!("the receipt could not be rendered: {error}")),
            Err(unsendable) => Err(unsendable),
        };
        let (after, taken) = match mail {
            Err(unsendable) => {
                tracing::warn!(receipt = %receipt.id, error = %unsendable, "receipt given up");
                (
                    receipt.abandoned(unsendable),
                    Taken::Attempted { sent: false },
                )
            }
            Ok((mail, cap)) => {
                let hour = MailHour::of(now);
                if self.store.count_mail(account, &hour, cap).await? {
                    let outcome = mailer.send(&mail).await;
                    if let Err(not_sent) = &outcome {
                        let error = &not_sent.reason;
                        tracing::warn!(receipt = %receipt.id, %error, "receipt not sent");
                        if not_sent.surely {
                            self.uncount(account, &hour).await;
                        }
                    }
                    let outcome = outcome.map_err(|not_sent| not_sent.reason);
                    let sent = outcome.is_ok();
                    let after =
                        receipt.attempted(outcome, Timestamp::now(), self.config.retry_schedule);
                    (after, Taken::Attempted { sent })
                } else {
                    // The template's MailCapReachedAlarm counts this line by its message.
                    tracing::warn!(
                        %account, receipt = %receipt.id, until = %hour.ends, "mail cap reached"
                    );
                    (receipt.deferred(hour.ends), Taken::HeldBack)
                }
            }
        };
        self.store
            .record_receipt_attempt(account, receipt, &after)
            .await?;
        Ok(Some(taken))
    }

    /// Takes back a mail SES refused from its hour's count. Left counted if that fails: the
    /// cap errs towards fewer mails, and the attempt is recorded all the same.
    async fn uncount(&self, account: &AccountId, hour: &MailHour) {
        if let Err(error) = self.store.uncount_mail(account, hour).await {
            tracing::warn!(%error, "a refused mail stays counted in its hour");
        }
    }

    /// What the receipt says: the payment (if its invoice has one), its invoice as it is now and
    /// the merchant's name (all in one read; the account from this container's cache when
    /// fresh), with the merchant's cap on mails; or why there is nothing to send.
    async fn receipt_content(
        &self,
        account: &AccountId,
        receipt: &Receipt,
    ) -> Result<Result<(ReceiptContent, MailCap), String>, StoreError> {
        let (sources, merchant) = self
            .with_merchant(
                account,
                self.store.receipt_sources(account, receipt),
                self.store.receipt_sources_with_account(account, receipt),
            )
            .await?;
        let ReceiptSources {
            invoice: Some(invoice),
            payment,
        } = sources
        else {
            return Ok(Err("its invoice is gone".into()));
        };
        let Some(merchant) = merchant else {
            return Ok(Err("its account is gone".into()));
        };
        let payment = match payment {
            None => None,
            Some(None) => return Ok(Err("its payment is gone".into())),
            Some(Some(payment)) => Some(payment),
        };
        let cap = merchant.mail_cap_or(self.config.mail_cap);
        Ok(
            ReceiptContent::of(&merchant.name, payment.as_ref(), &invoice)
                .map(|content| (content, cap))
                .map_err(|e| e.to_string()),
        )
    }
}
