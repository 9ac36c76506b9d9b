//! Fetching a feed, or posting a webhook, over HTTP on this machine only: `http://` URLs whose
//! host resolves to a loopback address (a local feed server, a test
//! fixture). Anything else is refused before a connection is made, so an
//! ingest cannot be made to reach another host.

use crate::AppError;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The most a feed may be, bytes.
const MAX_BYTES: usize = 256 << 20;

/// The body of `GET url`, if `url` is `http://` on a loopback address and
/// answers 200.
pub fn get_loopback(url: &str) -> Result<Vec<u8>, AppError> {
    let (code, status, head, body) = exchange(url, "GET", None)?;
    if code != 200 {
        return Err(AppError::NotFound {
            message: format!("{url}: the server answered `{status}`"),
        });
    }
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let bad = |m: String| AppError::bad("URL", format!("{url}: {m}"));
    let body = if chunked {
        dechunk(&body).ok_or_else(|| bad("a broken chunked body".into()))?
    } else {
        body
    };
    if body.len() > MAX_BYTES {
        return Err(bad(format!("the feed is over {} MiB", MAX_BYTES >> 20)));
    }
    Ok(body)
}

/// `POST url` with a JSON body (a webhook), if `url` is `http://` on a
/// loopback address; the status code the server answered (2xx is success).
pub fn post_loopback(url: &str, json: &str) -> Result<u16, AppError> {
    exchange(url, "POST", Some(json)).map(|(code, ..)| code)
}

/// One request to a loopback `http://` URL: status code, status line,
/// headers and body.
fn exchange(
    url: &str,
    method: &str,
    json: Option<&str>,
) -> Result<(u16, String, String, Vec<u8>), AppError> {
    let bad = |m: String| AppError::bad("URL", format!("{url}: {m}"));
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        bad("only http:// on this machine (a loopback address) is fetched".into())
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("no host, or credentials in the URL".into()));
    }
    let with_port = if authority.starts_with('[') {
        if authority.contains("]:") {
            authority.to_string()
        } else {
            format!("{authority}:80")
        }
    } else if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addrs: Vec<_> = with_port
        .to_socket_addrs()
        .map_err(|e| bad(format!("cannot resolve the host: {e}")))?
        .collect();
    if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
        return Err(bad(
            "not a loopback address: only servers on this machine are reached".into(),
        ));
    }
    let mut stream =
        TcpStream::connect_timeout(&addrs[0], Duration::from_secs(10)).map_err(|e| {
            AppError::NotFound {
                message: format!("{url}: {e}"),
            }
        })?;
    let io = |e: std::io::Error| AppError::NotFound {
        message: format!("{url}: {e}"),
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(io)?;
    let host = authority;
    let payload = json.map_or_else(String::new, |j| {
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{j}",
            j.len()
        )
    });
    let end = if json.is_some() { "" } else { "\r\n" };
    // One write: a request sent in pieces can be answered and closed by the
    // server before the rest arrives, which resets the connection.
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: critmin/{}\r\nAccept: */*\r\nConnection: close\r\n{payload}{end}",
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut raw = Vec::new();
    stream
        .take(MAX_BYTES as u64 + 65_536)
        .read_to_end(&mut raw)
        .map_err(io)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("the answer is not HTTP".into()))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let status = head.lines().next().unwrap_or_default().to_string();
    let code: u16 = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad(format!("the answer is not HTTP: `{status}`")))?;
    Ok((code, status, head, body))
}

/// A chunked body's content.
fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&b[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if b.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn only_loopback_http_is_fetched() {
        for url in [
            "https://127.0.0.1/feed.xml",
            "ftp://127.0.0.1/x",
            "http://user@127.0.0.1/x",
            "http://192.0.2.1/feed.xml",
        ] {
            let e = get_loopback(url).unwrap_err();
            assert!(e.is_invalid_input(), "{url}: {e}");
        }
    }

    #[test]
    fn a_loopback_feed_is_fetched_plain_and_chunked() {
        for (answer, want) in [
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello"),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
                "hello",
            ),
        ] {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = l.local_addr().unwrap().port();
            let t = std::thread::spawn(move || {
                let (mut s, _) = l.accept().unwrap();
                let mut got = Vec::new();
                let mut buf = [0u8; 1024];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = s.read(&mut buf).unwrap();
                    assert!(n > 0, "the request ended early");
                    got.extend_from_slice(&buf[..n]);
                }
                s.write_all(answer.as_bytes()).unwrap();
            });
            let got = get_loopback(&format!("http://127.0.0.1:{port}/feed")).unwrap();
            t.join().unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), want);
        }
    }

    #[test]
    fn a_webhook_gets_the_json_whole() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !got.ends_with(b"}") {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "the request ended early");
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
            String::from_utf8(got).unwrap()
        });
        let code = post_loopback(&format!("http://127.0.0.1:{port}/hook"), "{\"a\":1}").unwrap();
        let req = t.join().unwrap();
        assert_eq!(code, 204);
        assert!(req.starts_with("POST /hook HTTP/1.1\r\n"), "{req}");
        assert!(req.contains("Content-Length: 7\r\n\r\n{\"a\":1}"), "{req}");
        assert!(post_loopback("http://192.0.2.1/hook", "{}").is_err());
    }
}
