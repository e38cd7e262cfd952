//! HTTP authentication for `push`: Basic (RFC 7617) and Digest (RFC 7616, `qop=auth`,
//! MD5 or SHA-256), answering the challenge the store sends with its first 401.
//!
//! Digest is what Virtuoso's `/sparql-graph-crud-auth` asks for; it never sends the
//! password, only hashes bound to the server's nonce and the request.

use oxhttp::model::HeaderMap;
use sha2::Digest as _;

/// A user name and password.
pub struct Credentials {
    user: String,
    password: String,
}

impl Credentials {
    pub fn new(user: String, password: String) -> Self {
        Self { user, password }
    }
}

/// The scheme a store asked for, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm=…`.
    Basic,
    /// `Digest realm=… nonce=… [qop=auth] [opaque=…] [algorithm=…]`.
    Digest {
        realm: String,
        nonce: String,
        opaque: Option<String>,
        qop_auth: bool,
        sha256: bool,
        stale: bool,
        /// Requests signed with this nonce so far (the `nc` counter).
        count: u32,
    },
}

impl Challenge {
    /// The challenge to answer among the `WWW-Authenticate` headers: Digest when offered
    /// (it does not send the password), else Basic.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let mut basic = None;
        for value in headers.get_all("www-authenticate") {
            let Ok(value) = value.to_str() else { continue };
            let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
            if scheme.eq_ignore_ascii_case("digest") {
                if let Some(c) = Self::digest(rest) {
                    return Some(c);
                }
            } else if scheme.eq_ignore_ascii_case("basic") {
                basic = Some(Self::Basic);
            }
        }
        basic
    }

    fn digest(params: &str) -> Option<Self> {
        let params = parse_params(params);
        let get = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let algorithm = get("algorithm").unwrap_or_else(|| "MD5".to_owned());
        let sha256 = match algorithm.to_ascii_uppercase().as_str() {
            "MD5" => false,
            "SHA-256" => true,
            _ => return None,
        };
        Some(Self::Digest {
            realm: get("realm")?,
            nonce: get("nonce")?,
            opaque: get("opaque"),
            qop_auth: get("qop")
                .is_some_and(|q| q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth"))),
            sha256,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            count: 0,
        })
    }

    /// Whether the server said the previous nonce merely expired.
    pub fn is_stale(&self) -> bool {
        matches!(self, Self::Digest { stale: true, .. })
    }

    /// The `Authorization` header value for one request.
    pub fn authorization(&mut self, credentials: &Credentials, method: &str, uri: &str) -> String {
        match self {
            Self::Basic => format!(
                "Basic {}",
                base64(format!("{}:{}", credentials.user, credentials.password).as_bytes())
            ),
            Self::Digest {
                realm,
                nonce,
                opaque,
                qop_auth,
                sha256,
                count,
                ..
            } => {
                *count += 1;
                let hash = |s: String| hex_hash(*sha256, s.as_bytes());
                let ha1 = hash(format!(
                    "{}:{realm}:{}",
                    credentials.user, credentials.password
                ));
                let ha2 = hash(format!("{method}:{uri}"));
                let nc = format!("{count:08x}");
                let cnonce = client_nonce(nonce, *count);
                let mut header = format!(
                    "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}",
                    quoted(&credentials.user),
                    quoted(realm),
                    quoted(nonce),
                    quoted(uri),
                    if *sha256 { "SHA-256" } else { "MD5" }
                );
                let response = if *qop_auth {
                    header.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
                    hash(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
                } else {
                    hash(format!("{ha1}:{nonce}:{ha2}"))
                };
                header.push_str(&format!(", response=\"{response}\""));
                if let Some(opaque) = opaque {
                    header.push_str(&format!(", opaque=\"{}\"", quoted(opaque)));
                }
                header
            }
        }
    }
}

/// `name=value` or `name="quoted value"` pairs separated by commas.
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ','))
            .collect::<String>()
            .trim()
            .to_owned();
        if name.is_empty() {
            return out;
        }
        if chars.next_if_eq(&'=').is_none() {
            continue;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ','))
                .collect::<String>()
                .trim()
                .to_owned();
        }
        out.push((name, value));
    }
}

fn quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn hex_hash(sha256: bool, bytes: &[u8]) -> String {
    let digest: Vec<u8> = if sha256 {
        sha2::Sha256::digest(bytes).to_vec()
    } else {
        use md5::Digest as _;
        md5::Md5::digest(bytes).to_vec()
    };
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A client nonce: unpredictable enough for `qop=auth` (it only has to differ between
/// requests and clients), derived from the clock, the process and the request count.
fn client_nonce(server_nonce: &str, count: u32) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = format!("{now}:{}:{server_nonce}:{count}", std::process::id());
    hex_hash(true, seed.as_bytes())[..16].to_owned()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn parses_virtuosos_digest_challenge() {
        let mut headers = HeaderMap::new();
        headers.append(
            "www-authenticate",
            "Digest realm=\"SPARQL\", domain=\"/sparql-graph-crud-auth\", nonce=\"44512cad\", opaque=\"5ebe22\", stale=\"false\", qop=\"auth\", algorithm=\"MD5\"".parse().unwrap(),
        );
        let c = Challenge::from_headers(&headers).unwrap();
        assert_eq!(
            c,
            Challenge::Digest {
                realm: "SPARQL".into(),
                nonce: "44512cad".into(),
                opaque: Some("5ebe22".into()),
                qop_auth: true,
                sha256: false,
                stale: false,
                count: 0
            }
        );
    }

    #[test]
    fn digest_response_matches_rfc_2617_example() {
        // RFC 2617 section 3.5, with the client nonce of the example substituted.
        let mut c = Challenge::Digest {
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            opaque: Some("5ccc069c403ebaf9f0171e9517f40e41".into()),
            qop_auth: false,
            sha256: false,
            stale: false,
            count: 0,
        };
        let creds = Credentials::new("Mufasa".into(), "Circle Of Life".into());
        let header = c.authorization(&creds, "GET", "/dir/index.html");
        // Without qop (RFC 2069 form): MD5(HA1:nonce:HA2).
        let ha1 = hex_hash(false, b"Mufasa:testrealm@host.com:Circle Of Life");
        let ha2 = hex_hash(false, b"GET:/dir/index.html");
        let expected = hex_hash(
            false,
            format!("{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:{ha2}").as_bytes(),
        );
        assert!(
            header.contains(&format!("response=\"{expected}\"")),
            "{header}"
        );
        assert_eq!(ha1, "939e7578ed9e3c518a452acee763bce9");
        assert!(!header.contains("Circle Of Life"));
    }

    #[test]
    fn basic_is_used_when_only_basic_is_offered() {
        let mut headers = HeaderMap::new();
        headers.append("www-authenticate", "Basic realm=\"store\"".parse().unwrap());
        let mut c = Challenge::from_headers(&headers).unwrap();
        let creds = Credentials::new("Aladdin".into(), "open sesame".into());
        assert_eq!(
            c.authorization(&creds, "PUT", "/x"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }
}
