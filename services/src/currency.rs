//! Currency codes: money in the contract carries a lowercase ISO 4217 code (`"usd"`).

/// The default currency of an organization's prices.
pub const DEFAULT: &str = "usd";

/// The circulating currencies of ISO 4217 (list of 2025, with the codes being phased out in
/// that year kept). Fund, precious-metal, bond-unit and testing codes (`xau`, `xdr`, `xts`,
/// `usn`, ...) are not prices and are refused.
const CIRCULATING: &[&str] = &[
    "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt",
    "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "btn", "bwp", "byn", "bzd", "cad",
    "cdf", "chf", "clp", "cny", "cop", "crc", "cup", "cve", "czk", "djf", "dkk", "dop", "dzd",
    "egp", "ern", "etb", "eur", "fjd", "fkp", "gbp", "gel", "ghs", "gip", "gmd", "gnf", "gtq",
    "gyd", "hkd", "hnl", "htg", "huf", "idr", "ils", "inr", "iqd", "irr", "isk", "jmd", "jod",
    "jpy", "kes", "kgs", "khr", "kmf", "kpw", "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr",
    "lrd", "lsl", "lyd", "mad", "mdl", "mga", "mkd", "mmk", "mnt", "mop", "mru", "mur", "mvr",
    "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr", "nzd", "omr", "pab", "pen",
    "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd", "rub", "rwf", "sar", "sbd", "scr",
    "sdg", "sek", "sgd", "shp", "sle", "sll", "sos", "srd", "ssp", "stn", "svc", "syp", "szl",
    "thb", "tjs", "tmt", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "usd", "uyu",
    "uzs", "ved", "ves", "vnd", "vuv", "wst", "xaf", "xcd", "xcg", "xof", "xpf", "yer", "zar",
    "zmw", "zwg", "zwl",
];

/// Reads a currency field: empty means [`DEFAULT`], any case is accepted and lowered.
/// `Err` carries the validation message.
pub fn normalize(input: &str) -> Result<String, &'static str> {
    let code = input.trim().to_ascii_lowercase();
    if code.is_empty() {
        return Ok(DEFAULT.to_owned());
    }
    if CIRCULATING.binary_search(&code.as_str()).is_ok() {
        Ok(code)
    } else {
        Err("must be a lowercase ISO 4217 currency code such as usd")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_lowercase_and_three_letters() {
        assert!(CIRCULATING.windows(2).all(|w| w[0] < w[1]));
        assert!(
            CIRCULATING
                .iter()
                .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_lowercase()))
        );
    }

    #[test]
    fn normalizes_and_refuses() {
        assert_eq!(normalize("").unwrap(), "usd");
        assert_eq!(normalize("EUR").unwrap(), "eur");
        assert_eq!(normalize(" gbp ").unwrap(), "gbp");
        for bad in ["us", "usdd", "xyz", "xau", "xts", "€", "u$d"] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }
}
