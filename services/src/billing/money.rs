//! Money, in one place. Every amount of an estimate, an invoice or a payment is computed here,
//! in integer minor units of one currency, with checked arithmetic: an input that would
//! overflow is a validation error, never a panic and never a wrapped number.
//!
//! - line amount = quantity * unit_price
//! - subtotal = sum of the line amounts
//! - tax = subtotal * tax_rate_bps / 10000, rounded half up (to the nearest minor unit,
//!   halves towards positive infinity: 0.5 cent -> 1 cent), computed in 128-bit integers
//! - total = subtotal + tax
//! - amount_due = total - amount_paid, never below zero
//!
//! Every amount is at most [`MAX_AMOUNT`] (2^53 - 1): the contract renders money as a JSON
//! number, and larger integers lose precision in JavaScript and many JSON libraries.
//! Totals sent by clients are never read: the request messages do not even carry them.

/// The largest amount of any line, document or payment, in minor units: 2^53 - 1.
pub const MAX_AMOUNT: i64 = 9_007_199_254_740_991;
/// 100%.
pub const MAX_TAX_RATE_BPS: u32 = 10_000;
/// The currency of a document whose request names none.
pub const DEFAULT_CURRENCY: &str = "usd";

/// Why a computation has no answer; the caller turns it into a field error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyError {
    /// The line at this index would exceed [`MAX_AMOUNT`].
    LineTooLarge(usize),
    /// The sum of the lines, or the sum with tax, would exceed [`MAX_AMOUNT`].
    TotalTooLarge,
    /// The tax rate is above [`MAX_TAX_RATE_BPS`].
    TaxRate,
    /// A negative quantity or price reached the calculator (the services refuse them first).
    Negative,
}

/// A document's computed amounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    /// One per line, in order.
    pub amounts: Vec<i64>,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
}

fn bounded(v: i128) -> Option<i64> {
    i64::try_from(v)
        .ok()
        .filter(|a| (0..=MAX_AMOUNT).contains(a))
}

/// `quantity * unit_price`, or `None` when negative or above [`MAX_AMOUNT`].
pub fn line_amount(quantity: i64, unit_price: i64) -> Option<i64> {
    if quantity < 0 || unit_price < 0 {
        return None;
    }
    bounded(i128::from(quantity) * i128::from(unit_price))
}

/// `subtotal * bps / 10000`, rounded half up. `None` for a rate above 100% or a negative or
/// too large subtotal.
pub fn tax(subtotal: i64, tax_rate_bps: u32) -> Option<i64> {
    if tax_rate_bps > MAX_TAX_RATE_BPS || !(0..=MAX_AMOUNT).contains(&subtotal) {
        return None;
    }
    let scaled = i128::from(subtotal) * i128::from(tax_rate_bps);
    bounded((scaled + 5_000) / 10_000)
}

/// The amounts of a document made of `(quantity, unit_price)` lines at `tax_rate_bps`.
pub fn totals(lines: &[(i64, i64)], tax_rate_bps: u32) -> Result<Totals, MoneyError> {
    if tax_rate_bps > MAX_TAX_RATE_BPS {
        return Err(MoneyError::TaxRate);
    }
    let mut amounts = Vec::with_capacity(lines.len());
    let mut subtotal: i64 = 0;
    for (i, &(quantity, unit_price)) in lines.iter().enumerate() {
        if quantity < 0 || unit_price < 0 {
            return Err(MoneyError::Negative);
        }
        let amount = line_amount(quantity, unit_price).ok_or(MoneyError::LineTooLarge(i))?;
        subtotal = subtotal
            .checked_add(amount)
            .filter(|s| *s <= MAX_AMOUNT)
            .ok_or(MoneyError::TotalTooLarge)?;
        amounts.push(amount);
    }
    let tax = tax(subtotal, tax_rate_bps).ok_or(MoneyError::TotalTooLarge)?;
    let total = subtotal
        .checked_add(tax)
        .filter(|t| *t <= MAX_AMOUNT)
        .ok_or(MoneyError::TotalTooLarge)?;
    Ok(Totals {
        amounts,
        subtotal,
        tax,
        total,
    })
}

/// What is still owed: `total - amount_paid`, never below zero; `None` on nonsense input
/// (negative amounts).
pub fn amount_due(total: i64, amount_paid: i64) -> Option<i64> {
    if total < 0 || amount_paid < 0 {
        return None;
    }
    Some(total.checked_sub(amount_paid)?.max(0))
}

/// A request's currency: trimmed, lowercased, [`DEFAULT_CURRENCY`] when empty. `None` when it
/// is not three ASCII letters (the shape of an ISO 4217 code).
pub fn currency(input: &str) -> Option<String> {
    let code = input.trim().to_ascii_lowercase();
    if code.is_empty() {
        return Some(DEFAULT_CURRENCY.to_owned());
    }
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_lowercase())).then_some(code)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn examples() {
        let t = totals(&[(2, 1_500), (1, 999)], 825).unwrap();
        assert_eq!(t.amounts, vec![3_000, 999]);
        assert_eq!(t.subtotal, 3_999);
        // 3999 * 0.0825 = 329.9175 -> 330
        assert_eq!(t.tax, 330);
        assert_eq!(t.total, 4_329);
        // Half up: 0.5 -> 1, 1.5 -> 2; just below half -> down.
        assert_eq!(tax(100, 50), Some(1));
        assert_eq!(tax(300, 50), Some(2));
        assert_eq!(tax(99, 50), Some(0));
        assert_eq!(tax(0, 10_000), Some(0));
        assert_eq!(tax(MAX_AMOUNT, 10_000), Some(MAX_AMOUNT));
        assert_eq!(tax(1, 10_001), None);
        assert_eq!(totals(&[], 0).unwrap().total, 0);
        assert_eq!(totals(&[(1, MAX_AMOUNT)], 0).unwrap().total, MAX_AMOUNT);
        assert_eq!(
            totals(&[(1, MAX_AMOUNT)], 1),
            Err(MoneyError::TotalTooLarge)
        );
        assert_eq!(
            totals(&[(1, 1), (i64::MAX, i64::MAX)], 0),
            Err(MoneyError::LineTooLarge(1))
        );
        assert_eq!(
            totals(&[(1, MAX_AMOUNT), (1, 1)], 0),
            Err(MoneyError::TotalTooLarge)
        );
        assert_eq!(totals(&[(-1, 5)], 0), Err(MoneyError::Negative));
        assert_eq!(totals(&[(1, 1)], 10_001), Err(MoneyError::TaxRate));
        assert_eq!(amount_due(100, 30), Some(70));
        assert_eq!(amount_due(100, 130), Some(0));
        assert_eq!(amount_due(-1, 0), None);
    }

    #[test]
    fn currencies() {
        assert_eq!(currency("").as_deref(), Some("usd"));
        assert_eq!(currency(" EUR ").as_deref(), Some("eur"));
        for bad in ["us", "usdd", "u$d", "12a", "é€x"] {
            assert_eq!(currency(bad), None, "{bad}");
        }
    }

    /// The half-up rule written a second way, on exact rationals: round(x) = floor(x + 1/2).
    fn reference_tax(subtotal: i64, bps: u32) -> i128 {
        let num = i128::from(subtotal) * i128::from(bps) * 2 + 10_000;
        num.div_euclid(20_000)
    }

    fn any_amount() -> impl Strategy<Value = i64> {
        prop_oneof![
            0..1_000_000i64,
            0..=MAX_AMOUNT,
            Just(MAX_AMOUNT),
            Just(i64::MAX),
            Just(i64::MIN),
            any::<i64>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Totals are always the sum of their parts, or an error: never a panic, never a
        /// wrapped number, whatever the inputs.
        #[test]
        fn totals_equal_the_sum_of_their_parts(
            lines in prop::collection::vec((any_amount(), any_amount()), 0..20),
            bps in prop_oneof![0..=10_000u32, any::<u32>()],
        ) {
            let exact: Vec<i128> = lines
                .iter()
                .map(|&(q, p)| i128::from(q) * i128::from(p))
                .collect();
            match totals(&lines, bps) {
                Ok(t) => {
                    prop_assert!(bps <= MAX_TAX_RATE_BPS);
                    prop_assert_eq!(t.amounts.len(), lines.len());
                    for (a, e) in t.amounts.iter().zip(&exact) {
                        prop_assert_eq!(i128::from(*a), *e);
                    }
                    let sum: i128 = exact.iter().sum();
                    prop_assert_eq!(i128::from(t.subtotal), sum);
                    prop_assert_eq!(i128::from(t.tax), reference_tax(t.subtotal, bps));
                    prop_assert!(t.tax <= t.subtotal);
                    prop_assert_eq!(t.total, t.subtotal + t.tax);
                    prop_assert!((0..=MAX_AMOUNT).contains(&t.total));
                }
                Err(MoneyError::TaxRate) => prop_assert!(bps > MAX_TAX_RATE_BPS),
                Err(MoneyError::Negative) => {
                    prop_assert!(lines.iter().any(|&(q, p)| q < 0 || p < 0));
                }
                Err(MoneyError::LineTooLarge(i)) => {
                    prop_assert!(exact[i] > i128::from(MAX_AMOUNT));
                }
                Err(MoneyError::TotalTooLarge) => {
                    let sum: i128 = exact.iter().sum();
                    let capped = i64::try_from(sum.min(i128::from(MAX_AMOUNT))).unwrap_or(MAX_AMOUNT);
                    let with_tax = sum + reference_tax(capped, bps);
                    prop_assert!(sum > i128::from(MAX_AMOUNT) || with_tax > i128::from(MAX_AMOUNT));
                }
            }
        }

        #[test]
        fn tax_is_monotonic_and_bounded(subtotal in 0..=MAX_AMOUNT, bps in 0..10_000u32) {
            let low = tax(subtotal, bps).unwrap();
            let high = tax(subtotal, bps + 1).unwrap();
            prop_assert!(low <= high);
            prop_assert!(high <= subtotal);
        }

        #[test]
        fn amount_due_never_panics_nor_goes_negative(total in any::<i64>(), paid in any::<i64>()) {
            if let Some(due) = amount_due(total, paid) {
                prop_assert!(due >= 0);
                prop_assert_eq!(i128::from(due), (i128::from(total) - i128::from(paid)).max(0));
            }
        }

        #[test]
        fn currency_never_panics(s in ".{0,8}") {
            if let Some(c) = currency(&s) {
                prop_assert_eq!(c.len(), 3);
            }
        }
    }
}
