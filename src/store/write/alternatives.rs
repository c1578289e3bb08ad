//! The writes of one report whose conditions exclude each other (at most one applies), and the
//! order to send them in.

use super::ConditionalUpdate;

/// The writes of one report, one for each state the payment may be in when it arrives.
#[derive(Debug, Clone)]
pub(crate) struct Alternatives(Vec<ConditionalUpdate>);

impl Alternatives {
    /// How many times each of two or more writes may be sent. Another write landing between two
    /// of ours can move the payment back to a state an earlier one, already refused, covers;
    /// going round again settles that, and the bound leaves a payment that keeps moving to the
    /// caller's error (the provider sends its report again).
    const ROUNDS: usize = 3;

    /// A report recorded the same way whatever else the payment holds.
    pub(crate) fn one(write: ConditionalUpdate) -> Self {
        Self(vec![write])
    }

    /// A report recorded by `first` or, where the payment is in the other state, by `second`.
    pub(crate) fn either(first: ConditionalUpdate, second: ConditionalUpdate) -> Self {
        Self(vec![first, second])
    }

    /// Each write of `Alternatives` rewritten by `f` (a name they all use).
    pub(crate) fn map(self, f: impl Fn(ConditionalUpdate) -> ConditionalUpdate) -> Self {
        Self(self.0.into_iter().map(f).collect())
    }

    /// The writes in the order to send them, the next only while the one before was refused for
    /// what tells them apart: round after round, each at most `ROUNDS` times. A lone write is
    /// sent once: where it was refused, nothing else could apply.
    pub(crate) fn in_turn(&self) -> impl Iterator<Item = &ConditionalUpdate> {
        let rounds = if self.0.len() > 1 { Self::ROUNDS } else { 1 };
        self.0.iter().cycle().take(self.0.len() * rounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn updates(alternatives: &Alternatives) -> Vec<&str> {
        alternatives
            .in_turn()
            .map(|write| write.update.as_str())
            .collect()
    }

    #[test]
    fn two_writes_are_sent_in_turn_three_rounds_at_most_and_a_lone_one_once() {
        let either = Alternatives::either(
            ConditionalUpdate::new("SET a = :x", "attribute_exists(a)"),
            ConditionalUpdate::new("SET b = :x", "attribute_not_exists(a)"),
        );
        assert_eq!(
            updates(&either),
            ["SET a = :x", "SET b = :x"].repeat(3),
            "a write changing the payment between two of ours sends it back to the first"
        );

        let one = Alternatives::one(ConditionalUpdate::new("SET a = :x", ""));
        assert_eq!(updates(&one), ["SET a = :x"]);
        assert_eq!(
            updates(&one.map(|write| write.and("ADD v :one"))),
            ["SET a = :x ADD v :one"]
        );
    }
}
