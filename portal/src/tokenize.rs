//! The search tokenizer. API words are identifiers more often than prose: `in_progress`,
//! `rotate_secret`, `ast_live_`, `invoice.paid`, `Idempotency-Key`, `RefundPayment`. Each is
//! kept whole (so that searching for the identifier finds it first) and also split into its
//! parts (so that "rotate secret" finds `rotate_secret`). Everything is case-folded; plain
//! words lose an English plural ending, so "payments" and "payment" meet.

use std::ops::Range;

/// Words too common to say anything about a document. Parts of identifiers are filtered
/// too (`in` of `in_progress`); the whole identifier stays.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "from", "has", "have",
    "if", "in", "into", "is", "it", "its", "no", "not", "of", "on", "or", "so", "that", "the",
    "then", "this", "to", "was", "were", "when", "which", "with", "you", "your",
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `.` and `-` join two word characters into one identifier (`invoice.paid`,
/// `Idempotency-Key`); anywhere else they separate.
fn is_joiner(c: char) -> bool {
    c == '.' || c == '-'
}

/// The byte ranges of the raw words of `text`, identifiers whole.
pub fn words(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &(at, c)) in chars.iter().enumerate() {
        let joins = is_joiner(c)
            && start.is_some()
            && chars
                .get(i + 1)
                .is_some_and(|&(_, next)| is_word_char(next));
        if is_word_char(c) || joins {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            out.push(s..at);
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// A term of one word: a plain word, a whole identifier, or a part of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// A part of a longer identifier (`secret` of `rotate_secret`).
    pub part: bool,
    /// A whole identifier made of parts (`rotate_secret`, `refundpayment`).
    pub compound: bool,
}

/// The terms of one raw word: the whole identifier, then its parts; or one plain word.
pub fn word_terms(word: &str) -> Vec<Term> {
    let parts = split_parts(word);
    let whole = word.to_lowercase();
    let mut out = Vec::new();
    if parts.len() <= 1 {
        let term = stem(&whole);
        if keep(&term) {
            out.push(Term {
                text: term,
                part: false,
                compound: false,
            });
        }
        return out;
    }
    out.push(Term {
        text: whole,
        part: false,
        compound: true,
    });
    for part in parts {
        let term = stem(&part.to_lowercase());
        if keep(&term) && !out.iter().any(|t| t.text == term) {
            out.push(Term {
                text: term,
                part: true,
                compound: false,
            });
        }
    }
    out
}

/// Every term of `text`, in order, parts included: what the index stores.
pub fn index_terms(text: &str) -> Vec<Term> {
    words(text)
        .into_iter()
        .flat_map(|r| word_terms(&text[r]))
        .collect()
}

#[cfg(test)]
fn terms(text: &str) -> Vec<String> {
    index_terms(text).into_iter().map(|t| t.text).collect()
}

fn keep(term: &str) -> bool {
    term.chars().count() > 1 && !STOP_WORDS.contains(&term)
}

/// The parts of an identifier: split at `_`, `.`, `-` and lower-to-upper case changes
/// (`RefundPayment` -> `Refund`, `Payment`).
fn split_parts(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (at, c) in word.char_indices() {
        if c == '_' || is_joiner(c) {
            if at > start {
                parts.push(&word[start..at]);
            }
            start = at + c.len_utf8();
        } else if c.is_uppercase() && prev.is_some_and(char::is_lowercase) {
            parts.push(&word[start..at]);
            start = at;
        }
        prev = Some(c);
    }
    if start < word.len() {
        parts.push(&word[start..]);
    }
    parts
}

/// A light English plural stemmer for plain alphabetic words: `payments` -> `payment`,
/// `deliveries` -> `delivery`, `addresses` -> `address`, `statuses` -> `status`. Singular words ending in `ss`, `us`
/// or `is` (`status`, `address`, `analysis`) stay as they are.
pub fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.chars().all(|c| c.is_ascii_lowercase()) {
        return word.to_owned();
    }
    if let Some(base) = word.strip_suffix("ies")
        && base.len() > 1
    {
        return format!("{base}y");
    }
    if let Some(base) = word.strip_suffix("sses") {
        return format!("{base}ss");
    }
    // `statuses` -> `status` (short words such as `causes` lose only the `s`).
    if word.len() > 6
        && let Some(base) = word.strip_suffix("uses")
    {
        return format!("{base}us");
    }
    for suffix in ["xes", "ches", "shes"] {
        if let Some(base) = word.strip_suffix(suffix) {
            return format!("{base}{}", &suffix[..suffix.len() - 2]);
        }
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word.to_owned();
    }
    word.strip_suffix('s').unwrap_or(word).to_owned()
}

/// Levenshtein distance of `a` and `b`, or `None` when it is above `max` (stops early).
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut next = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = row[j] + usize::from(ca != cb);
            next[j + 1] = substitution.min(row[j + 1] + 1).min(next[j] + 1);
        }
        if next.iter().min().is_some_and(|&m| m > max) {
            return None;
        }
        row = next;
    }
    Some(row[b.len()]).filter(|&d| d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(word: &str) -> Vec<String> {
        word_terms(word).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn identifiers_are_kept_whole_and_split() {
        assert_eq!(texts("in_progress"), ["in_progress", "progress"]);
        assert_eq!(
            texts("rotate_secret"),
            ["rotate_secret", "rotate", "secret"]
        );
        assert_eq!(texts("ast_live_"), ["ast_live_", "ast", "live"]);
        assert_eq!(
            texts("RefundPayment"),
            ["refundpayment", "refund", "payment"]
        );
        assert_eq!(texts("invoice.paid"), ["invoice.paid", "invoice", "paid"]);
        assert_eq!(
            texts("Idempotency-Key"),
            ["idempotency-key", "idempotency", "key"]
        );
    }

    #[test]
    fn words_join_only_inside_identifiers() {
        let text = "Send x-api-key. Then GET /payments/{id}/refund - done.";
        let got: Vec<&str> = words(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            got,
            [
                "Send",
                "x-api-key",
                "Then",
                "GET",
                "payments",
                "id",
                "refund",
                "done"
            ]
        );
    }

    #[test]
    fn plain_words_are_case_folded_stemmed_and_stop_words_dropped() {
        assert_eq!(
            terms("The Payments of the DELIVERIES, with statuses and addresses"),
            ["payment", "delivery", "status", "address"]
        );
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("boxes"), "box");
        assert_eq!(stem("ids"), "ids");
        assert_eq!(stem("v1"), "v1");
    }

    #[test]
    fn distance_stops_past_the_bound() {
        assert_eq!(distance_within("refund", "refund", 1), Some(0));
        assert_eq!(distance_within("refnud", "refund", 2), Some(2));
        assert_eq!(distance_within("invoce", "invoice", 1), Some(1));
        assert_eq!(distance_within("invoice", "payment", 2), None);
        assert_eq!(distance_within("void", "voided", 1), None);
    }
}
