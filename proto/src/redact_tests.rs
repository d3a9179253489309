use super::*;

const KEY: &str = "ast_live_4fKq9ZrT2mXw8LpB7cYd1NvE";

#[test]
fn secret_names() {
    for name in [
        "password",
        "Password",
        "api_key",
        "apiKey",
        "API_KEY",
        "x-api-key",
        "key",
        "KEY",
        "secret",
        "client_secret",
        "clientSecret",
        "access_token",
        "token",
        "webhook-signature",
        "sig",
        "authorization",
        "Authorization",
        "private_key",
        "secret_key",
        "card_number",
        "pwd",
        "x-auth",
    ] {
        assert!(is_secret_name(name), "{name} names a secret");
    }
    for name in [
        "name", "key_id", "keys", "email", "monkey", "keyboard", "status", "cursor", "limit",
        "notes", "shipping",
    ] {
        assert!(!is_secret_name(name), "{name} names no secret");
    }
}

/// The first version of [`is_secret_name`] (allocating its lower-case copies and words):
/// the reference the allocation-free one must agree with.
fn is_secret_name_reference(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let compact: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    if SECRET_NAME_PARTS.iter().any(|p| compact.contains(p)) {
        return true;
    }
    let mut words = vec![String::new()];
    let mut previous = ' ';
    for c in name.chars() {
        let camel = c.is_ascii_uppercase() && previous.is_ascii_lowercase();
        if !c.is_ascii_alphanumeric() || camel {
            words.push(String::new());
        }
        if c.is_ascii_alphanumeric() {
            words.last_mut().unwrap().push(c.to_ascii_lowercase());
        }
        previous = c;
    }
    words.retain(|w| !w.is_empty());
    words
        .iter()
        .any(|w| w != "key" && SECRET_NAME_WORDS.contains(&w.as_str()))
        || words.last().is_some_and(|w| w == "key")
}

#[test]
fn secret_names_agree_with_the_reference() {
    // Every name of up to three pieces from an alphabet of words, separators, cases and
    // non-ASCII characters, and a few long ones (past the 64-byte stack buffer).
    let pieces = [
        "", "key", "Key", "KEY", "api", "Api", "id", "pwd", "Pwd", "auth", "sig", "otp", "pin",
        "pass", "word", "Word", "secret", "tok", "en", "monkey", "_", "-", ".", " ", "é", "ß", "K",
        "k", "E", "y", "9", "keyId", "apiKEY", "xAuth",
    ];
    let mut names = Vec::new();
    for a in pieces {
        for b in pieces {
            for c in pieces {
                names.push(format!("{a}{b}{c}"));
            }
        }
    }
    names.push(format!("{}_key", "x".repeat(80)));
    names.push(format!("{}Secret{}", "é".repeat(40), "a".repeat(40)));
    names.push(format!("key_{}", "y".repeat(100)));
    for name in &names {
        assert_eq!(
            is_secret_name(name),
            is_secret_name_reference(name),
            "{name:?}"
        );
    }
    assert!(names.len() > 30_000);
}

#[test]
fn targets() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU";
    let cases: &[(String, String)] = &[
        (
            format!("/api/public/v1/customers?api_key={KEY}"),
            "/api/public/v1/customers?api_key=[REDACTED]".into(),
        ),
        (
            "/customers?token=abc&limit=5".into(),
            "/customers?token=[REDACTED]&limit=5".into(),
        ),
        (
            "/customers?secret=s3&password=p&Signature=x&authorization=y&limit=2".into(),
            "/customers?secret=[REDACTED]&password=[REDACTED]&Signature=[REDACTED]\
             &authorization=[REDACTED]&limit=2"
                .into(),
        ),
        (
            format!("/api/public/v1/customers/{KEY}"),
            "/api/public/v1/customers/[REDACTED]".into(),
        ),
        (
            format!("/customers/{KEY}/notes?x=1"),
            "/customers/[REDACTED]/notes?x=1".into(),
        ),
        // Percent-encoded (twice) and glued to another value: still found.
        (
            "/customers/%2561st_live_abcdefgh12345678".into(),
            "/customers/[REDACTED]".into(),
        ),
        (
            format!("/customers?cursor=c1&q=id%3D{KEY}"),
            "/customers?cursor=c1&q=[REDACTED]".into(),
        ),
        (
            format!("/customers?note=Bearer%20{jwt}"),
            "/customers?note=[REDACTED]".into(),
        ),
        (
            "/customers?whsec=whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY".into(),
            "/customers?whsec=[REDACTED]".into(),
        ),
        (format!("/x?{KEY}"), "/x?[REDACTED]".into()),
        // Nothing secret: unchanged, byte for byte.
        (
            "/customers/cus_0190a?limit=10&cursor=abc%3D&key_id=key_1".into(),
            "/customers/cus_0190a?limit=10&cursor=abc%3D&key_id=key_1".into(),
        ),
        ("/customers?token=".into(), "/customers?token=".into()),
    ];
    for (input, expected) in cases {
        assert_eq!(&target(input), expected, "{input}");
        assert_eq!(&target(expected), expected, "idempotent: {expected}");
    }
}

#[test]
fn bodies() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU";
    let cases: &[(String, String)] = &[
        // Parsed JSON: by name (any value but null) and by shape.
        (
            r#"{"name":"A","password":"hunter2","nested":{"api_key":"x"},"secret":null}"#.into(),
            r#"{"name":"A","password":"[REDACTED]","nested":{"api_key":"[REDACTED]"},"secret":null}"#
                .into(),
        ),
        (
            format!(r#"{{"notes":"key {KEY} here","tags":["{jwt}"]}}"#),
            r#"{"notes":"key [REDACTED] here","tags":["[REDACTED]"]}"#.into(),
        ),
        (
            r#"{"notes":"{\"password\":\"in a string\"}"}"#.into(),
            r#"{"notes":"{\"password\":\"[REDACTED]\"}"}"#.into(),
        ),
        // Broken JSON: the tolerant scan.
        (
            r#"{"password":"hunter2""#.into(),
            r#"{"password":"[REDACTED]""#.into(),
        ),
        (
            r#"{"name": "A", "Password" : "hun\"ter2", "x": 1,"#.into(),
            r#"{"name": "A", "Password" : "[REDACTED]", "x": 1,"#.into(),
        ),
        (r#"{"password":"hunter2"#.into(), r#"{"password":"[REDACTED]"#.into()),
        (r#"{"password": 12345,"#.into(), r#"{"password": [REDACTED],"#.into()),
        (
            r#"{'client_secret': 'abc', "token":null"#.into(),
            r#"{'client_secret': '[REDACTED]', "token":null"#.into(),
        ),
        (
            format!(r#"{{"notes": "mine is {KEY}"#),
            r#"{"notes": "mine is [REDACTED]"#.into(),
        ),
        // Form bodies and plain text.
        (
            "name=A&password=hunter2&api_key=k".into(),
            "name=A&password=[REDACTED]&api_key=[REDACTED]".into(),
        ),
        (
            "Authorization: Basic dXNlcjpwYXNzd29yZA==".into(),
            "Authorization: [REDACTED] [REDACTED]".into(),
        ),
        (
            "sent Bearer abcdefghijklmnop yesterday".into(),
            "sent Bearer [REDACTED] yesterday".into(),
        ),
        (
            "db postgres://app:s3cr3t@db.internal:5432/x".into(),
            "db postgres://app:[REDACTED]@db.internal:5432/x".into(),
        ),
        (
            "plain ast_test_zzz, whsec_abc+/= and ast_int_q".into(),
            "plain [REDACTED], [REDACTED] and [REDACTED]".into(),
        ),
        (
            "future ast_oauth_ABCDEFGH12345678 kinds".into(),
            "future [REDACTED] kinds".into(),
        ),
        // Nothing secret: unchanged.
        (
            r#"{"name":"Ann","key_id":"key_1","email":"a@b.co"}"#.into(),
            r#"{"name":"Ann","key_id":"key_1","email":"a@b.co"}"#.into(),
        ),
        ("ast_ is not a key; astute".into(), "ast_ is not a key; astute".into()),
        ("https://example.com/a?b=c".into(), "https://example.com/a?b=c".into()),
        ("¡señal é ünïcode!".into(), "¡señal é ünïcode!".into()),
        (String::new(), String::new()),
    ];
    for (input, expected) in cases {
        assert_eq!(&body(input.as_bytes()), expected, "{input}");
        assert_eq!(
            &body(expected.as_bytes()),
            expected,
            "idempotent: {expected}"
        );
    }
    assert!(body(b"\xff\xfepassword=hunter2").ends_with("password=[REDACTED]"));
}
