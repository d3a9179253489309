//! The SSRF guard: webhook URLs must point at the public internet.
//!
//! An endpoint URL is checked when it is created or changed ([`check`]), and again at every
//! delivery, because DNS can change in between: the sender's HTTP client resolves host names
//! through [`GuardedResolver`], so the connection goes to the very addresses that were judged,
//! and IP-literal URLs are judged with [`is_forbidden`] before anything is sent.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use url::{Host, Url};

/// The longest URL an endpoint may have, in characters.
pub const MAX_URL_CHARS: usize = 2048;

/// How long a name may take to resolve before it counts as unresolvable.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a URL is refused. The text is a sentence fragment about the field `url`, fit for a
/// 422 field message ("url must be an http or https URL").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("must be at most {MAX_URL_CHARS} characters")]
    TooLong,
    #[error("must be an absolute URL")]
    NotAbsolute,
    #[error("is not a valid URL ({0})")]
    Invalid(url::ParseError),
    #[error("must be an http or https URL")]
    NotHttp,
    #[error("must have a host")]
    NoHost,
    #[error("must not contain credentials")]
    Credentials,
    #[error("resolves to a private, loopback or link-local address ({0})")]
    Forbidden(IpAddr),
    #[error("host could not be resolved")]
    Unresolvable,
}

/// Whether an address is one a webhook must never be sent to: anything that is not plain
/// public unicast (loopback, private, CGNAT, link-local, unique-local, unspecified,
/// broadcast, multicast, reserved, documentation and benchmark ranges, cloud metadata).
/// IPv6 forms that embed an IPv4 address (mapped, compatible, 6to4, NAT64) are judged by
/// the embedded address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", unspecified
        || a == 10 // private
        || (a == 100 && (64..128).contains(&b)) // CGNAT, includes Alibaba's metadata 100.100.100.200
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local, includes the metadata 169.254.169.254
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments (DS-Lite, ...)
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224 // multicast, reserved 240/4, broadcast
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    if ip.is_unspecified() || ip.is_loopback() {
        return true;
    }
    if let Some(v4) = embedded_v4(ip) {
        return v4_forbidden(v4);
    }
    let s = ip.segments();
    // Only global unicast (2000::/3) is public; this leaves out unique-local fc00::/7 (and the
    // metadata fd00:ec2::254), link-local fe80::/10, site-local, multicast ff00::/8, the
    // discard prefix 100::/64, local-use NAT64 64:ff9b:1::/48 and everything reserved.
    if s[0] & 0xe000 != 0x2000 {
        return true;
    }
    (s[0] == 0x2001 && s[1] == 0) // Teredo: tunnels to an obfuscated IPv4 address
        || (s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0) // benchmarking 2001:2::/48
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || (s[0] & 0xfff0) == 0x3ff0 // documentation 3fff::/20
}

/// The IPv4 address inside an IPv6 address that carries one: IPv4-mapped `::ffff:a.b.c.d`,
/// IPv4-compatible `::a.b.c.d`, 6to4 `2002:AABB:CCDD::/48`, NAT64 `64:ff9b::a.b.c.d`.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let last = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(last),
        [0, 0, 0, 0, 0, 0, _, _] => Some(last),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(last),
        [0x2002, ..] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

/// The syntax rules: an absolute http or https URL with a host, no user name or password,
/// at most [`MAX_URL_CHARS`] characters. Says nothing about where the host points.
pub fn parse(url: &str) -> Result<Url, UrlRefusal> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(UrlRefusal::TooLong);
    }
    let parsed = Url::parse(url).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => UrlRefusal::NotAbsolute,
        url::ParseError::EmptyHost => UrlRefusal::NoHost,
        other => UrlRefusal::Invalid(other),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlRefusal::NotHttp);
    }
    match parsed.host() {
        None => return Err(UrlRefusal::NoHost),
        Some(Host::Domain("")) => return Err(UrlRefusal::NoHost),
        Some(_) => {}
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlRefusal::Credentials);
    }
    Ok(parsed)
}

/// The host of a parsed URL as an IP address, when it is an IP literal.
pub(crate) fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        Host::Domain(_) => None,
    }
}

/// Refuses the first forbidden address, unless private addresses are allowed (dev mode).
fn judge(addrs: &[SocketAddr], allow_private: bool) -> Result<(), UrlRefusal> {
    if addrs.is_empty() {
        return Err(UrlRefusal::Unresolvable);
    }
    if allow_private {
        return Ok(());
    }
    match addrs.iter().find(|a| is_forbidden(a.ip())) {
        Some(bad) => Err(UrlRefusal::Forbidden(bad.ip())),
        None => Ok(()),
    }
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, UrlRefusal> {
    match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(addrs)) => Ok(addrs.collect()),
        Ok(Err(_)) | Err(_) => Err(UrlRefusal::Unresolvable),
    }
}

/// The full check of an endpoint URL at creation: [`parse`], then resolve the host (an IP
/// literal needs no lookup) and refuse when any of its addresses is forbidden, unless
/// `allow_private`. A host that does not resolve is refused in either mode.
pub async fn check(url: &str, allow_private: bool) -> Result<(), UrlRefusal> {
    let parsed = parse(url)?;
    let port = parsed.port_or_known_default().unwrap_or(0);
    let addrs = match parsed.host() {
        Some(Host::Ipv4(v4)) => vec![SocketAddr::new(IpAddr::V4(v4), port)],
        Some(Host::Ipv6(v6)) => vec![SocketAddr::new(IpAddr::V6(v6), port)],
        Some(Host::Domain(d)) => resolve(d, port).await?,
        None => return Err(UrlRefusal::NoHost),
    };
    judge(&addrs, allow_private)
}

/// A DNS resolver for reqwest that refuses names resolving to forbidden addresses (unless
/// `allow_private`), so that the connection at delivery time goes to addresses that were
/// just judged. The error it fails with is a [`UrlRefusal`], found in the request error's
/// source chain.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl GuardedResolver {
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest puts the URL's port (or the scheme's) in its place.
            let addrs = resolve(&host, 0).await.map_err(boxed)?;
            judge(&addrs, allow_private).map_err(boxed)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn boxed(refusal: UrlRefusal) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forbidden_addresses() {
        let forbidden = [
            // IPv4
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.5",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "100.100.100.200",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.2.10",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            // IPv6
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "fd00:ec2::254",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "100::1",
            "2001:db8::1",
            "2001::1",
            "2001:2::1",
            "3fff::1",
            "64:ff9b:1::1",
            // IPv6 forms embedding a forbidden IPv4 address
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::192.168.0.1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2002:c0a8:0101::",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::10.1.2.3",
        ];
        for s in forbidden {
            assert!(is_forbidden(ip(s)), "{s} should be forbidden");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        let allowed = [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.1.1",
            "192.0.1.1",
            "192.169.0.1",
            "198.20.0.1",
            "223.255.255.254",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001::200e",
            "2001:db9::1",
            "::ffff:93.184.216.34",
            "::8.8.8.8",
            "2002:5db8:d822::1",
            "64:ff9b::93.184.216.34",
        ];
        for s in allowed {
            assert!(!is_forbidden(ip(s)), "{s} should be allowed");
        }
    }

    #[test]
    fn parse_refusals() {
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        let cases: &[(&str, UrlRefusal)] = &[
            ("/relative/path", UrlRefusal::NotAbsolute),
            ("example.com/hook", UrlRefusal::NotAbsolute),
            ("ftp://example.com/", UrlRefusal::NotHttp),
            ("file:///etc/passwd", UrlRefusal::NotHttp),
            ("javascript:alert(1)", UrlRefusal::NotHttp),
            ("gopher://127.0.0.1:6379/_", UrlRefusal::NotHttp),
            ("http://", UrlRefusal::NoHost),
            ("https://user:pass@example.com/", UrlRefusal::Credentials),
            ("https://user@example.com/", UrlRefusal::Credentials),
            ("https://:pass@example.com/", UrlRefusal::Credentials),
            (&long, UrlRefusal::TooLong),
        ];
        for (url, want) in cases {
            assert_eq!(parse(url).as_ref().err(), Some(want), "{url}");
        }
        assert!(matches!(
            parse("http://exa mple.com/"),
            Err(UrlRefusal::Invalid(_))
        ));
        assert!(matches!(
            parse("http://example.com:99999/"),
            Err(UrlRefusal::Invalid(_))
        ));

        let ok = parse("https://hooks.example.com:8443/in?x=1").unwrap();
        assert_eq!(ok.host_str(), Some("hooks.example.com"));
        assert!(parse("http://93.184.216.34/").is_ok());
        assert!(parse(&format!("https://e.com/{}", "a".repeat(2000))).is_ok());
    }

    #[test]
    fn refusal_texts_are_field_messages() {
        assert_eq!(
            UrlRefusal::NotHttp.to_string(),
            "must be an http or https URL"
        );
        assert_eq!(
            UrlRefusal::NotAbsolute.to_string(),
            "must be an absolute URL"
        );
        assert_eq!(
            UrlRefusal::Credentials.to_string(),
            "must not contain credentials"
        );
        assert_eq!(
            UrlRefusal::Forbidden(ip("10.0.0.5")).to_string(),
            "resolves to a private, loopback or link-local address (10.0.0.5)"
        );
        assert_eq!(
            UrlRefusal::Unresolvable.to_string(),
            "host could not be resolved"
        );
    }

    /// Odd spellings of loopback are normalised by the URL parser before they are judged.
    #[tokio::test]
    async fn odd_ip_spellings_are_judged_as_parsed() {
        for url in [
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:0:0:1]/",
        ] {
            assert!(
                matches!(check(url, false).await, Err(UrlRefusal::Forbidden(_))),
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn check_refuses_private_targets_unless_allowed() {
        for url in [
            "http://127.0.0.1:1/",
            "http://localhost/",
            "http://[::1]/",
            "http://169.254.169.254/",
        ] {
            let refusal = check(url, false).await.unwrap_err();
            assert!(
                matches!(refusal, UrlRefusal::Forbidden(_)),
                "{url}: {refusal}"
            );
            check(url, true)
                .await
                .unwrap_or_else(|e| panic!("{url} with allow_private: {e}"));
        }
        assert_eq!(
            check("http://169.254.169.254/latest/meta-data", false).await,
            Err(UrlRefusal::Forbidden(ip("169.254.169.254")))
        );
        // Public literals need no lookup, so this works without a network.
        check("https://93.184.216.34/hook", false).await.unwrap();
        check("https://[2606:4700::1111]/hook", false)
            .await
            .unwrap();
        assert_eq!(
            check("ftp://127.0.0.1/", true).await,
            Err(UrlRefusal::NotHttp)
        );
        assert_eq!(
            check("http://no-such-host.invalid/", true).await,
            Err(UrlRefusal::Unresolvable)
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_forbidden_names() {
        use reqwest::dns::Resolve as _;
        let name = |s: &str| s.parse::<reqwest::dns::Name>().unwrap();

        let err = match GuardedResolver::new(false).resolve(name("localhost")).await {
            Ok(_) => panic!("localhost resolved through the guard"),
            Err(e) => e,
        };
        let refusal = err.downcast_ref::<UrlRefusal>().expect("a UrlRefusal");
        assert!(matches!(refusal, UrlRefusal::Forbidden(a) if a.is_loopback()));

        let addrs: Vec<SocketAddr> = GuardedResolver::new(true)
            .resolve(name("localhost"))
            .await
            .map_err(|e| e.to_string())
            .unwrap()
            .collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
