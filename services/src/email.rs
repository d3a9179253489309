//! Email addresses: the one check and normalisation every service uses (team members'
//! `email`, customers' `emails[i]`).
//!
//! Syntax is the `email_address` crate's (RFC 5321/5322 with RFC 6531 UTF-8, no display name,
//! no domain literal), the domain's is `idna`'s (UTS 46 with the STD3 rules, DNS lengths), so
//! neither is a hand-written grammar. On top of them this refuses what a person would not
//! mean, however valid the syntax: invisible and control characters (a zero-width space
//! pasted with the address), compatibility forms (fullwidth `ａｄａ`, ligatures), a local part
//! or domain label that mixes scripts (a Cyrillic `а` in `pаypal`), and a domain that is an
//! IP address. What is kept is the address in Unicode NFC with its domain lowercased; the
//! local part keeps its case (RFC 5321 lets mail systems tell `Ada` from `ada`), and where
//! uniqueness applies, storage compares the whole address lowercased.

use unicode_normalization::{UnicodeNormalization as _, is_nfc};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory as _};
use unicode_security::MixedScript as _;

/// The prefix of every refusal, as the contract's example words it.
pub const INVALID: &str = "must be a valid email address";

/// RFC 5321's limit on a forward path, which is what an address must fit in.
const MAX_LEN: usize = 254;

/// The address as stored, or why it is refused (a message for `errors.<field>`): the
/// contract's plain "must be a valid email address" for bad syntax, with the reason in
/// parentheses for an address that parses but that no person would mean.
pub fn normalize(raw: &str) -> Result<String, String> {
    let refuse = |why: &str| Err(format!("{INVALID} ({why})"));
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("is required".into());
    }
    // Before anything else: a format character (zero-width space, joiner, bidi control) or a
    // control character is invisible, and would otherwise make two addresses that read alike.
    if trimmed.chars().any(|c| {
        matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Other | GeneralCategoryGroup::Separator
        )
    }) {
        return refuse("no spaces, invisible or control characters");
    }
    // NFKC folds compatibility forms (fullwidth letters, ligatures, superscripts) into the
    // ordinary ones: an address that NFKC changes beyond NFC is not what anyone types.
    let nfc: String = trimmed.nfc().collect();
    if nfc.nfkc().ne(nfc.chars()) {
        return refuse("no fullwidth or compatibility characters");
    }
    debug_assert!(is_nfc(&nfc));
    if nfc.len() > MAX_LEN {
        return refuse("at most 254 bytes");
    }
    let options = email_address::Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        allow_long_local_parts: false,
    };
    // The syntax error itself says nothing a caller can act on beyond the contract's words.
    if email_address::EmailAddress::parse_with_options(&nfc, options).is_err() {
        return Err(INVALID.into());
    }
    let (local, domain) = nfc.rsplit_once('@').expect("a parsed address has an @");
    let domain = domain.to_lowercase();
    if let Err(e) = idna::domain_to_ascii_strict(&domain) {
        tracing::debug!(error = %e, "email domain refused by IDNA");
        return refuse("the domain is not a valid host name");
    }
    // TLDs are never all digits, so this refuses every IPv4 spelling (`1.2.3.4`, `127.1`)
    // without a second parser.
    if domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return refuse("the domain must be a name, not an IP address");
    }
    if !local.is_single_script() || !domain.split('.').all(|label| label.is_single_script()) {
        return refuse("letters of one script per part");
    }
    Ok(format!("{local}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_are_normalised() {
        assert_eq!(normalize(" ada@example.com ").unwrap(), "ada@example.com");
        assert_eq!(normalize("Ada@EXAMPLE.Com").unwrap(), "Ada@example.com");
        assert_eq!(
            normalize("ada+tag@mail.example.co.uk").unwrap(),
            "ada+tag@mail.example.co.uk"
        );
        // NFD (e + combining acute) becomes NFC (é).
        assert_eq!(
            normalize("re\u{301}ne@example.fr").unwrap(),
            "r\u{e9}ne@example.fr"
        );
        // Whole-script IDN addresses are what RFC 6531 is for.
        assert_eq!(normalize("иван@пример.рф").unwrap(), "иван@пример.рф");
        assert_eq!(normalize("иван@Example.com").unwrap(), "иван@example.com");
        assert_eq!(normalize("用户@例子.广告").unwrap(), "用户@例子.广告");
    }

    #[test]
    fn what_a_person_would_not_mean_is_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "a b@x.com",
            "a@x",
            "a@@x.com",
            "a@x.com.",
            "a@.x.com",
            "a@x..com",
            "a..b@x.com",
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "a@127.1",
            "Ada <ada@x.com>",
            "ａｄａ@example.com",
            "ada@ｅｘａｍｐｌｅ.com",
            "ad\u{200b}a@example.com",
            "ada@exam\u{200b}ple.com",
            "ada\u{202e}@example.com",
            "ada\u{7}@example.com",
            "p\u{430}ypal@example.com",
            "ada@p\u{430}ypal.com",
            "ada@ex!ample.com",
            "ada@-example.com",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(normalize("  ").unwrap_err(), "is required");
        assert!(normalize("a@x..com").unwrap_err().starts_with(INVALID));
    }
}
