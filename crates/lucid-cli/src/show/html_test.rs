use super::*;

#[test]
fn escapes_markup() {
    assert_eq!(
        esc("<script>\"a\" & 'b'</script>"),
        "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
    );
}

/// Everything that reaches a page from the peer or the network is escaped: a failure
/// reason and a peer address that carry markup come out as text.
#[test]
fn peer_text_is_escaped() {
    use core::time::Duration;
    let events = [
        Stamped {
            at: Duration::ZERO,
            ev: Ev::TcpConnected {
                peer: "<img src=x onerror=alert(1)>".to_string(),
            },
        },
        Stamped {
            at: Duration::from_millis(1),
            ev: Ev::Failed {
                reason: "bad <script>alert(\"x\")</script> & co".to_string(),
            },
        },
    ];
    let connections = [Connection {
        title: "<b>title</b>",
        events: &events,
        server: &[],
    }];
    let page = render(
        &Page {
            title: "t",
            intro: "i",
            connections: &connections,
            error: Some("<i>resolve</i>"),
        },
        &Options {
            color: false,
            full_hex: false,
            now: lucid_core::x509::pki_types::UnixTime::since_unix_epoch(Duration::ZERO),
            target: "x".to_string(),
            side: Side::Client,
        },
    );
    for bad in ["<img", "<script>alert", "<b>title", "<i>resolve"] {
        assert!(!page.contains(bad), "{bad} unescaped");
    }
    assert!(page.contains("bad &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // Exactly one script element, the page's own, allowed by its hash.
    assert_eq!(page.matches("<script>").count(), 1);
    assert!(page.contains(&format!("script-src '{}'", csp_hash(SCRIPT))));
}

#[test]
fn base64_of_known_values() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}
