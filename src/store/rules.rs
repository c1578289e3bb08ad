//! The conditional writes that make the domain's rules hold in the table, each built from the
//! domain constant that states the rule, so a rule is written once: change
//! `Payment::CANCELABLE` and both `Payment::cancel_decision` and the cancel's condition change.
//! The benchmark sends these very requests (`store::bench`).

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{check_due_key, sort_key};
use super::keys;
use super::write::{Alternatives, Bind, Condition, ConditionalUpdate};
use crate::domain::charge_report::ReportedCharge;
use crate::domain::dispute::DisputeReport;
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::invoice::{Invoice, InvoiceSettlement, InvoiceStatus};
use crate::domain::mail_cap::{MailCap, MailHour};
use crate::domain::payment::{
    CardSummary, Dispute, DisputeStatus, Failure, Payment, PaymentStatus,
};
use crate::domain::refund::RefundReport;
use crate::domain::send_pace::SendPace;
use crate::domain::text::Email;
use crate::domain::time::Timestamp;
use crate::domain::transaction::TransactionStatus;

/// Cancel (docs/contract.md §3.2): only a payment of `Payment::CANCELABLE` kind and status.
pub(crate) fn cancel_link(now: Timestamp) -> ConditionalUpdate {
    let (kind, status) = Payment::CANCELABLE;
    ConditionalUpdate::new(
        "SET #status = :canceled, #updatedAt = :now ADD #version :one",
        "attribute_exists(pk) AND #kind = :kind AND #status = :cancelable",
    )
    .name("#status", "status")
    .name("#kind", "kind")
    .name("#updatedAt", "updatedAt")
    .name("#version", "version")
    .text(":canceled", PaymentStatus::Canceled.as_str())
    .text(":cancelable", status.as_str())
    .text(":kind", kind.as_str())
    .text(":now", now.to_string())
    .number(":one", 1)
}

/// The condition a report about a payment's charge holds under (`Payment::report_standing`):
/// the payment is of `Payment::REPORTABLE` status, paid by the reported provider payment, in its
/// currency; `:amount` (bound by the report) no more than was paid.
const PAID_CHARGE: &str = "attribute_exists(pk) AND #status = :reportable \
     AND #reference = :reference AND #currency = :currency AND :amount <= #amountTotal";

/// `update` under `PAID_CHARGE AND <further>`, its placeholders bound, the write stamped and
/// counted.
fn on_paid_charge(
    update: &str,
    further: &str,
    charge: &ReportedCharge,
    amount: u64,
    now: Timestamp,
) -> ConditionalUpdate {
    ConditionalUpdate::new(
        format!("{update}, #updatedAt = :now ADD #version :one"),
        format!("{PAID_CHARGE} AND {further}"),
    )
    .name("#updatedAt", "updatedAt")
    .name("#version", "version")
    .name("#status", "status")
    .name("#reference", "providerReference")
    .name("#currency", "currency")
    .name("#amountTotal", "amountTotal")
    .text(":reportable", Payment::REPORTABLE.as_str())
    .text(":reference", charge.reference.as_str())
    .text(":currency", charge.currency.code())
    .number(":amount", amount)
    .text(":now", now.to_string())
    .number(":one", 1)
}

/// Record a refund the provider reported (`Payment::refund_decision`): a total more than
/// recorded, on the paid charge. What the report added is computed in the write from the total
/// it replaces, so the two never disagree. Two writes, one for each way the refund leaves the
/// transaction's status (`Payment::transaction_status`), whose conditions exclude each other:
/// the first for a refund in full of a payment without a dispute that holds (its transaction
/// moves to `refunded`), the second for any other (its status stays). The store sends the
/// second only when the first is refused though the report is to be recorded
/// (`Alternatives::in_turn`).
pub(crate) fn record_refund(
    account: &AccountId,
    report: &RefundReport,
    now: Timestamp,
) -> Alternatives {
    let write = |status_update: &str, further: &str| {
        on_paid_charge(
            &format!(
                "SET #refunded = :amount, #last = :amount - if_not_exists(#refunded, :zero)\
                 {status_update}"
            ),
            &format!("(attribute_not_exists(#refunded) OR #refunded < :amount) AND {further}"),
            &report.charge,
            report.total,
            now,
        )
        .name("#refunded", "amountRefunded")
        .name("#last", "lastRefundAmount")
        .name("#disputeStatus", "disputeStatus")
        .number(":zero", 0)
        .text(":won", DisputeStatus::Won.as_str())
    };
    let in_full = write(
        &format!(", {TO_TRANSACTION_STATUS}"),
        "(:amount = #amountTotal) AND (attribute_not_exists(#disputeStatus) OR #disputeStatus = :won)",
    );
    let otherwise = write(
        "",
        "(:amount < #amountTotal OR (attribute_exists(#disputeStatus) AND #disputeStatus <> :won))",
    );
    Alternatives::either(
        to_transaction_status(in_full, account, TransactionStatus::Refunded),
        otherwise,
    )
}

/// Record a refund of what remains, asked of the API (`Payment::refund_asked`): on a payment of
/// `Payment::REPORTABLE` status not refunded in full, without a dispute other than a won one. The
/// refunded total becomes what was paid; what the refund added is computed in the write.
pub(crate) fn refund_in_full(account: &AccountId, now: Timestamp) -> ConditionalUpdate {
    let change = ConditionalUpdate::new(
        format!(
            "SET #refunded = #amountTotal, \
             #last = #amountTotal - if_not_exists(#refunded, :zero), \
             #updatedAt = :now, {TO_TRANSACTION_STATUS} ADD #version :one"
        ),
        "attribute_exists(pk) AND #status = :reportable \
         AND (attribute_not_exists(#refunded) OR #refunded < #amountTotal) \
         AND (attribute_not_exists(#disputeStatus) OR #disputeStatus = :won)",
    )
    .name("#refunded", "amountRefunded")
    .name("#last", "lastRefundAmount")
    .name("#amountTotal", "amountTotal")
    .name("#status", "status")
    .name("#disputeStatus", "disputeStatus")
    .name("#updatedAt", "updatedAt")
    .name("#version", "version")
    .text(":reportable", Payment::REPORTABLE.as_str())
    .text(":won", DisputeStatus::Won.as_str())
    .number(":zero", 0)
    .text(":now", now.to_string())
    .number(":one", 1);
    to_transaction_status(change, account, TransactionStatus::Refunded)
}

/// Record a dispute the provider reported (`Payment::dispute_decision`), on the paid charge: a
/// new dispute only where none is recorded, a closed one also over the same dispute recorded
/// open. Its transaction is `disputed` while a dispute is open or lost; a won one leaves it
/// `refunded` if it was refunded in full, else `succeeded`: two writes for that case, one for
/// each (`Alternatives`).
pub(crate) fn record_dispute(
    account: &AccountId,
    report: &DisputeReport,
    now: Timestamp,
) -> Alternatives {
    let dispute = &report.dispute;
    let write = |further: &str, status: TransactionStatus| {
        let change = recording_dispute(report, further, now);
        to_transaction_status(change, account, status)
    };
    match dispute.status {
        DisputeStatus::Open | DisputeStatus::Lost => {
            Alternatives::one(write("", TransactionStatus::Disputed))
        }
        DisputeStatus::Won => Alternatives::either(
            write(
                " AND (attribute_not_exists(#refunded) OR #refunded < #amountTotal)",
                TransactionStatus::Succeeded,
            ),
            write(
                " AND #refunded >= #amountTotal",
                TransactionStatus::Refunded,
            ),
        )
        .map(|change| change.name("#refunded", "amountRefunded")),
    }
}

/// `record_dispute`'s write, its condition narrowed by `further`.
fn recording_dispute(report: &DisputeReport, further: &str, now: Timestamp) -> ConditionalUpdate {
    let dispute = &report.dispute;
    let remove = match dispute_removed(dispute) {
        Some(attribute) => format!("REMOVE {attribute} "),
        None => String::new(),
    };
    let recordable = match dispute.status {
        DisputeStatus::Open => "attribute_not_exists(#disputeId)",
        DisputeStatus::Won | DisputeStatus::Lost => {
            "(attribute_not_exists(#disputeId) OR (#disputeId = :disputeId AND #disputeStatus = :open))"
        }
    };
    let change = on_paid_charge(
        &format!(
            "{remove}SET {}, {TO_TRANSACTION_STATUS}",
            dispute_set(dispute)
        ),
        &format!("{recordable}{further}"),
        &report.charge,
        dispute.amount,
        now,
    );
    let change = with_dispute(change, dispute);
    match dispute.status {
        DisputeStatus::Open => change,
        DisputeStatus::Won | DisputeStatus::Lost => {
            change.text(":open", DisputeStatus::Open.as_str())
        }
    }
}

/// The SET clauses that record `dispute` on a payment, as the provider's report does
/// (`record_dispute`) and a completion that carries one (`store::completion`); their names and
/// values bound by `with_dispute`.
pub(crate) fn dispute_set(dispute: &Dispute) -> &'static str {
    match dispute.reason {
        Some(_) => {
            "#disputeId = :disputeId, #disputeAmount = :disputeAmount, \
             #disputeStatus = :disputeStatus, #disputeReason = :disputeReason"
        }
        None => {
            "#disputeId = :disputeId, #disputeAmount = :disputeAmount, \
             #disputeStatus = :disputeStatus"
        }
    }
}

/// What a write of `dispute` removes: the reason of a dispute given without one (a report of
/// a closed dispute may not repeat it). Every write of a dispute has it or `dispute_set`'s
/// reason, so that each name `with_dispute` binds is used.
pub(crate) fn dispute_removed(dispute: &Dispute) -> Option<&'static str> {
    dispute.reason.is_none().then_some("#disputeReason")
}

/// Binds the names and values of `dispute_set` (and `dispute_removed`) for `dispute`.
pub(crate) fn with_dispute(change: ConditionalUpdate, dispute: &Dispute) -> ConditionalUpdate {
    let change = change
        .name("#disputeId", "disputeId")
        .name("#disputeAmount", "disputeAmount")
        .name("#disputeStatus", "disputeStatus")
        .name("#disputeReason", "disputeReason")
        .text(":disputeId", dispute.id.as_str())
        .number(":disputeAmount", dispute.amount)
        .text(":disputeStatus", dispute.status.as_str());
    match &dispute.reason {
        Some(reason) => change.text(":disputeReason", reason.as_str()),
        None => change,
    }
}

/// Settle an invoice by hand: only from `Invoice::SETTLEABLE`. The invoice moves to its new
/// status's partition of the by-status index (`INTO_STATUS_PARTITION`).
pub(crate) fn settle_invoice(
    account: &AccountId,
    settlement: InvoiceSettlement,
    now: Timestamp,
) -> ConditionalUpdate {
    let update = format!(
        "SET #status = :status, #updatedAt = :now, {INTO_STATUS_PARTITION} ADD #version :one"
    );
    let change = ConditionalUpdate::new(update, "attribute_exists(pk) AND #status = :settleable")
        .name("#updatedAt", "updatedAt")
        .name("#version", "version")
        .text(":settleable", Invoice::SETTLEABLE.as_str())
        .text(":now", now.to_string())
        .number(":one", 1);
    in_status_partition(change, account, settlement.status())
}

/// Add an invoice written before the by-status index to it, as it is now: only while its status
/// is still the one read (a settlement since has added it) and it is not there yet.
pub(crate) fn index_invoice_by_status(
    account: &AccountId,
    status: InvoiceStatus,
) -> ConditionalUpdate {
    let change = ConditionalUpdate::new(
        format!("SET {INTO_STATUS_PARTITION}"),
        "attribute_exists(pk) AND #status = :status AND attribute_not_exists(#byStatus)",
    );
    in_status_partition(change, account, status)
}

/// Sets a customer's keys in the index by address (`keys::customers_with_email`): the partition
/// of `:byEmail`, and its place there its place in the account's customers (`gsi1sk`), which a
/// customer written before the index also has.
pub(crate) const INTO_ADDRESS_PARTITION: &str = "#byEmail = :byEmail, #byEmailSort = #accountSort";

/// Binds `INTO_ADDRESS_PARTITION`'s names and values for `email`.
pub(crate) fn in_address_partition(
    change: ConditionalUpdate,
    account: &AccountId,
    email: &Email,
) -> ConditionalUpdate {
    change
        .name("#byEmail", keys::GSI2_PK)
        .name("#byEmailSort", keys::GSI2_SK)
        .name("#accountSort", keys::GSI1_SK)
        .text(":byEmail", keys::customers_with_email(account, email))
}

/// Puts a customer written before the index by address into it, under the address read
/// (`Store::index_customers_by_email`): a customer whose address changed since is there already.
pub(crate) fn index_customer_by_email(account: &AccountId, email: &Email) -> ConditionalUpdate {
    let change = ConditionalUpdate::new(
        format!("SET {INTO_ADDRESS_PARTITION}"),
        "attribute_exists(pk) AND #email = :email AND attribute_not_exists(#byEmail)",
    )
    .name("#email", "email")
    .text(":email", email.as_str());
    in_address_partition(change, account, email)
}

/// Sets an invoice's by-status index keys: the partition of `:byStatus`, and its place there its
/// place in the account's listing (`gsi1sk`), which an invoice written before the index also has.
const INTO_STATUS_PARTITION: &str = "#byStatus = :byStatus, #statusSort = #sort";

/// Binds `INTO_STATUS_PARTITION`'s names and values for `status`, and `#status`/`:status`, which
/// both rules use (one sets the status, the other requires it).
fn in_status_partition(
    change: ConditionalUpdate,
    account: &AccountId,
    status: InvoiceStatus,
) -> ConditionalUpdate {
    change
        .name("#status", "status")
        .name("#byStatus", keys::GSI3_PK)
        .name("#statusSort", keys::GSI3_SK)
        .name("#sort", keys::GSI1_SK)
        .text(":status", status.as_str())
        .text(
            ":byStatus",
            keys::account_invoices_of_status(account, status),
        )
}

/// Mail an invoice on request: only one of `Invoice::SENDABLE`.
pub(crate) fn sendable_invoice() -> Condition {
    let [first, second] = Invoice::SENDABLE;
    Condition::new("attribute_exists(pk) AND #status IN (:first, :second)")
        .name("#status", "status")
        .text(":first", first.as_str())
        .text(":second", second.as_str())
}

/// Mail an invoice on request: only while its pace (or its customer's) is still the one `seen`;
/// it moves to `busy_until`, and the item expires a day after that, when a pace that old counts
/// as none. A pace seen may also have expired meanwhile: no item means no mail since (a mail
/// since leaves a pace that is not yet due to expire).
pub(crate) fn pace_mail(seen: SendPace, busy_until: Timestamp) -> ConditionalUpdate {
    let unchanged = match seen.busy_until() {
        Some(_) => "attribute_not_exists(pk) OR #until = :seen",
        None => "attribute_not_exists(pk)",
    };
    let expires = busy_until.datetime().unix_timestamp() + 24 * 60 * 60;
    let mut change = ConditionalUpdate::new("SET #until = :next, #ttl = :ttl", unchanged)
        .name("#until", "busyUntil")
        .name("#ttl", keys::TTL)
        .text(":next", busy_until.to_string())
        .number(":ttl", expires);
    if let Some(seen) = seen.busy_until() {
        change = change.text(":seen", seen.to_string());
    }
    change
}

/// Count a mail in its hour: only while fewer than `cap` were counted there. The count
/// expires a day after its hour ends.
pub(crate) fn count_mail(cap: MailCap, hour: &MailHour) -> ConditionalUpdate {
    let expires = hour.ends.datetime().unix_timestamp() + 24 * 60 * 60;
    ConditionalUpdate::new(
        "SET #n = if_not_exists(#n, :zero) + :one, #ttl = :ttl",
        "attribute_not_exists(#n) OR #n < :cap",
    )
    .name("#n", "count")
    .name("#ttl", keys::TTL)
    .number(":zero", 0)
    .number(":one", 1)
    .number(":cap", cap.get())
    .number(":ttl", expires)
}

/// Take one mail back from its hour's count, only while there is one to take.
pub(crate) fn uncount_mail() -> ConditionalUpdate {
    ConditionalUpdate::new("SET #n = #n - :one", "#n > :zero")
        .name("#n", "count")
        .number(":zero", 0)
        .number(":one", 1)
}

/// Start an attempt on a link: from a status of `Payment::ATTEMPTABLE`, or from an attempt that
/// began before `stale` (its invocation crashed). The version it leaves identifies the attempt.
/// The payer's e-mail (a link without a customer asks for one) is kept with the attempt, for
/// whatever records the attempt later (the payer back from authenticating, Stripe's webhook)
/// without the form in hand. An attempt that takes over one left `processing` keeps when the
/// earliest attempt taken over began (`taken_over_since`), and the provider payments those
/// attempts recorded, until an attempt ends; any other starts with none. The link's transaction
/// starts anew (`attemptedAt`): it moves to the front of the account's transactions.
pub(crate) fn begin_attempt(
    account: &AccountId,
    id: &PaymentId,
    now: Timestamp,
    stale: Timestamp,
    payer_email: Option<&Email>,
    taken_over_since: Option<Timestamp>,
) -> ConditionalUpdate {
    let attemptable: Vec<String> = (0..Payment::ATTEMPTABLE.len())
        .map(|n| format!(":attemptable{n}"))
        .collect();
    let mut set = String::new();
    let mut remove = Vec::new();
    match payer_email {
        Some(_) => set.push_str(", attemptEmail = :email"),
        None => remove.push("attemptEmail"),
    }
    match taken_over_since {
        Some(_) => set.push_str(", unsettledSince = :since"),
        None => remove.extend(["unsettledSince", OPEN_REFERENCES]),
    }
    let remove = if remove.is_empty() {
        String::new()
    } else {
        format!(" REMOVE {}", remove.join(", "))
    };
    let mut change = ConditionalUpdate::new(
        format!(
            "SET #status = :processing, attemptStartedAt = :now, attemptedAt = :now, \
             #updatedAt = :now, {INTO_TRANSACTIONS}{set}{remove} ADD #version :one"
        ),
        format!(
            "attribute_exists(pk) AND #kind = :link AND (#status IN ({}) OR \
             (#status = :processing AND attemptStartedAt < :stale))",
            attemptable.join(", ")
        ),
    )
    .name("#status", "status")
    .name("#kind", "kind")
    .name("#updatedAt", "updatedAt")
    .name("#version", "version")
    .text(":processing", PaymentStatus::Processing.as_str())
    .text(":link", crate::domain::payment::PaymentKind::Link.as_str())
    .text(":now", now.to_string())
    .text(":stale", stale.to_string())
    .number(":one", 1);
    for (placeholder, status) in attemptable.iter().zip(Payment::ATTEMPTABLE) {
        change = change.text(placeholder, status.as_str());
    }
    if let Some(email) = payer_email {
        change = change.text(":email", email.as_str());
    }
    if let Some(since) = taken_over_since {
        change = change.text(":since", since.to_string());
    }
    in_transactions(change, account, TransactionStatus::Pending, &now, id)
}

/// Put `payment`, written before the account's transactions were indexed, into them as it was
/// read (`version`), if it has a transaction and is not there yet. A write since that changed
/// its transaction has put it there itself.
pub(crate) fn index_transaction(
    account: &AccountId,
    payment: &Payment,
    version: u64,
) -> Option<ConditionalUpdate> {
    let status = payment.transaction_status()?;
    let change = ConditionalUpdate::new(
        format!("SET {INTO_TRANSACTIONS}"),
        "attribute_exists(pk) AND #version = :version AND attribute_not_exists(#txnStatus)",
    )
    .name("#version", "version")
    .number(":version", version);
    Some(in_transactions(
        change,
        account,
        status,
        &payment.transaction_started_at(),
        &payment.id,
    ))
}

/// Sets a payment's keys in the account's transactions (`gsi3`) and in those of its
/// transaction's status (`gsi4`): the partitions, and its place in both by when its transaction
/// started (`Payment::transaction_started_at`).
const INTO_TRANSACTIONS: &str = "#transactions = :transactions, \
     #transactionSort = :transactionSort, #txnStatus = :txnStatus, \
     #txnStatusSort = :transactionSort";

fn in_transactions(
    change: ConditionalUpdate,
    account: &AccountId,
    status: TransactionStatus,
    started: &Timestamp,
    id: &PaymentId,
) -> ConditionalUpdate {
    transaction_keys(change, account, status)
        .text(":transactionSort", sort_key(started, id.as_str()))
}

/// Moves a payment to the partition of its transaction's new status (`gsi4`), keeping its
/// place. A payment written before the transactions' indexes joins both: its place is then its
/// creation (`gsi1sk`), as `Payment::transaction_started_at` has it for such a payment.
pub(crate) const TO_TRANSACTION_STATUS: &str = "#transactions = :transactions, \
     #transactionSort = if_not_exists(#transactionSort, #created), #txnStatus = :txnStatus, \
     #txnStatusSort = if_not_exists(#transactionSort, #created)";

/// Binds `TO_TRANSACTION_STATUS`'s names and values for `status`.
pub(crate) fn to_transaction_status(
    change: ConditionalUpdate,
    account: &AccountId,
    status: TransactionStatus,
) -> ConditionalUpdate {
    transaction_keys(change, account, status).name("#created", keys::GSI1_SK)
}

/// The names and partitions `INTO_TRANSACTIONS` and `TO_TRANSACTION_STATUS` share.
fn transaction_keys(
    change: ConditionalUpdate,
    account: &AccountId,
    status: TransactionStatus,
) -> ConditionalUpdate {
    change
        .name("#transactions", keys::GSI3_PK)
        .name("#transactionSort", keys::GSI3_SK)
        .name("#txnStatus", keys::GSI4_PK)
        .name("#txnStatusSort", keys::GSI4_SK)
        .text(":transactions", keys::account_transactions(account))
        .text(
            ":txnStatus",
            keys::account_transactions_of_status(account, status),
        )
}

/// The provider payments of a link's open attempts (`Payment::open_references`).
pub(crate) const OPEN_REFERENCES: &str = "openReferences";

/// What a link keeps only while an attempt runs: every end of an attempt removes it.
pub(crate) const ATTEMPT_ATTRIBUTES: [&str; 4] = [
    "attemptStartedAt",
    "attemptEmail",
    "unsettledSince",
    OPEN_REFERENCES,
];

/// Record the provider payment `reference` the current attempt (`version`) made, before it can
/// be paid: whatever settles the link later must find it. Not a change of the attempt: the
/// version, which identifies the attempt, stays.
pub(crate) fn record_open_reference(version: u64, reference: &str) -> ConditionalUpdate {
    ConditionalUpdate::new(
        format!("SET {OPEN_REFERENCES} = list_append(if_not_exists({OPEN_REFERENCES}, :none), :reference)"),
        CURRENT_ATTEMPT,
    )
    .name("#status", "status")
    .name("#version", "version")
    .number(":version", version)
    .text(":processing", PaymentStatus::Processing.as_str())
    .value(":none", AttributeValue::L(Vec::new()))
    .value(
        ":reference",
        AttributeValue::L(vec![AttributeValue::S(reference.to_owned())]),
    )
}

/// The condition every end of an attempt writes under: the payment is still `processing` in the
/// attempt that `version` identifies, so an attempt taken over is never ended twice.
pub(crate) const CURRENT_ATTEMPT: &str = "#status = :processing AND #version = :version";

/// End an attempt that did not pay: `failed` or `requires_action`, with the reason and the card
/// (if one was tried).
pub(crate) fn end_attempt_unpaid(
    account: &AccountId,
    version: u64,
    status: PaymentStatus,
    failure: &Failure,
    card: Option<&CardSummary>,
    now: Timestamp,
) -> ConditionalUpdate {
    let card_set = match card {
        Some(_) => ", cardBrand = :brand, cardLast4 = :last4",
        None => "",
    };
    let change = ConditionalUpdate::new(
        format!(
            "SET #status = :status, failureCode = :code, failureMessage = :message, \
             #updatedAt = :now{card_set}, {TO_TRANSACTION_STATUS} REMOVE {} ADD #version :one",
            ATTEMPT_ATTRIBUTES.join(", ")
        ),
        CURRENT_ATTEMPT,
    )
    .name("#status", "status")
    .name("#version", "version")
    .name("#updatedAt", "updatedAt")
    .number(":version", version)
    .text(":processing", PaymentStatus::Processing.as_str())
    .text(":status", status.as_str())
    .text(":code", failure.code.clone())
    .text(":message", failure.message.clone())
    .text(":now", now.to_string())
    .number(":one", 1);
    // Failed or requires_action: the transaction failed either way.
    let change = to_transaction_status(change, account, TransactionStatus::Failed);
    match card {
        Some(card) => change
            .text(":brand", card.brand.clone())
            .text(":last4", card.last4.clone()),
        None => change,
    }
}

/// Lease a payment's due check (a pending charge, a link's attempt) for one run: its time, and
/// its place in the due index, move to `until`, when another run may take it over; only if it
/// is still as the caller saw it (`seen`), so two runs never hold one.
pub(crate) fn lease_check(
    seen: Timestamp,
    until: Timestamp,
    payment: &PaymentId,
) -> ConditionalUpdate {
    ConditionalUpdate::new("SET checkAt = :until, gsi2sk = :duesk", "checkAt = :seen")
        .text(":until", until.to_string())
        .text(":duesk", check_due_key(&until, payment))
        .text(":seen", seen.to_string())
}

/// Lease a pending webhook delivery or receipt for one attempt: its due time, and its place in
/// the due index (`until_sort_key`), move to `until`, when another attempt may take it over if
/// this one dies; only if it is still `pending` with the attempt count and due time the caller
/// saw, so two workers never hold one attempt.
pub(crate) fn lease_attempt(
    pending: &str,
    attempts: u32,
    due: Timestamp,
    until: Timestamp,
    until_sort_key: String,
) -> ConditionalUpdate {
    ConditionalUpdate::new(
        "SET #next = :until, gsi2sk = :duesk",
        "#st = :pending AND #n = :n AND #next = :due",
    )
    .name("#st", "status")
    .name("#n", "attempts")
    .name("#next", "nextAttemptAt")
    .text(":until", until.to_string())
    .text(":duesk", until_sort_key)
    .text(":pending", pending)
    .number(":n", attempts)
    .text(":due", due.to_string())
}
