use super::*;

#[test]
fn wildcards() {
    assert!(dns_name_matches(b"*.example.com", b"www.example.com"));
    assert!(dns_name_matches(b"*.EXAMPLE.com", b"WWW.example.COM."));
    assert!(!dns_name_matches(b"*.example.com", b"example.com"));
    assert!(!dns_name_matches(b"*.example.com", b"a.b.example.com"));
    assert!(!dns_name_matches(b"*.com", b"example.com"));
    assert!(!dns_name_matches(b"f*o.example.com", b"foo.example.com"));
    assert!(!dns_name_matches(b"*o.example.com", b"foo.example.com"));
    assert!(!dns_name_matches(b"www.*.com", b"www.example.com"));
    assert!(!dns_name_matches(b"*.*.example.com", b"a.b.example.com"));
    assert!(!dns_name_matches(b"*", b"localhost"));
    assert!(!dns_name_matches(b"*.example.com", b"*.example.com"));
    assert!(dns_name_matches(b"LocalHost", b"localhost"));
    assert!(!dns_name_matches(b"localhost", b"localhost2"));
}

#[test]
fn invalid_dns_names_never_match() {
    for bad in [
        &b".example.com"[..],
        b"..example.com",
        b"a..example.com",
        b"example.com..",
        b"exa mple.com",
        b"ex@mple.com",
        b"-a.example.com",
        b"a-.example.com",
        b"",
        b".",
        b"*",
        b"a.*.example.com",
        b"*.*.example.com",
    ] {
        assert!(!is_valid_presented_dns_name(bad), "{bad:?}");
    }
    for good in [
        &b"example.com"[..],
        b"a-b.example.com",
        b"_srv.example.com",
        b"*.example.com",
        b"localhost",
        b"example.com.",
        b"xn--bcher-kva.example",
    ] {
        assert!(is_valid_presented_dns_name(good), "{good:?}");
    }
    // Host names: an invalid presented name matches nothing, not even its own text.
    assert!(!dns_name_matches(b".example.com", b"example.com"));
    assert!(!dns_name_matches(b"a..example.com", b"a..example.com"));
    assert!(!dns_name_matches(b"exa mple.com", b"exa mple.com"));
    assert!(dns_name_matches(b"a-b.example.com", b"A-B.example.com"));
}

/// A nameConstraints value with one DNS subtree, permitted ([0]) or excluded ([1]).
fn dns_constraint(excluded: bool, base: &[u8]) -> Vec<u8> {
    let mut gn = Vec::from([0x82, base.len() as u8]);
    gn.extend(base);
    let mut st = Vec::from([0x30, gn.len() as u8]);
    st.extend(gn);
    let mut sub = Vec::from([if excluded { 0xa1 } else { 0xa0 }, st.len() as u8]);
    sub.extend(st);
    let mut nc = Vec::from([0x30, sub.len() as u8]);
    nc.extend(sub);
    nc
}

fn san_dns(names: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for n in names {
        body.extend([0x82, n.len() as u8]);
        body.extend(*n);
    }
    let mut san = Vec::from([0x30, body.len() as u8]);
    san.extend(body);
    san
}

#[test]
fn invalid_dns_names_never_satisfy_a_constraint() {
    let check = |nc: &[u8], name: &[u8]| {
        let san = san_dns(&[name]);
        check_name_constraints(
            nc,
            &ConstrainedNames {
                subject: &[0x30, 0],
                san: Some(&san),
                cn_as_dns: false,
            },
        )
    };
    let permitted = dns_constraint(false, b"example.com");
    let excluded = dns_constraint(true, b"evil.test");
    assert_eq!(check(&permitted, b"www.example.com"), Ok(()));
    assert_eq!(check(&excluded, b"www.example.com"), Ok(()));
    for bad in [
        &b".example.com"[..],
        b"a..example.com",
        b"x y.example.com",
        b"evil.test..",
    ] {
        assert_eq!(
            check(&permitted, bad),
            Err(CertificateError::NameConstraintViolation),
            "{bad:?}"
        );
        assert_eq!(
            check(&excluded, bad),
            Err(CertificateError::NameConstraintViolation),
            "{bad:?}"
        );
    }
}

#[test]
fn dns_constraints() {
    assert!(dns_within(b"example.com", b"example.com"));
    assert!(dns_within(b"a.Example.com", b"example.COM"));
    assert!(!dns_within(b"badexample.com", b"example.com"));
    assert!(dns_within(b"a.example.com", b".example.com"));
    assert!(!dns_within(b"example.com", b".example.com"));
    assert!(dns_within(b"anything", b""));
    assert!(wildcard_overlaps(b"*.example.com", b"bad.example.com"));
    assert!(!wildcard_overlaps(b"*.example.com", b"a.bad.example.com"));
    assert!(!wildcard_overlaps(b"www.example.com", b"bad.example.com"));
}

#[test]
fn ip_constraints() {
    let c = [10, 0, 0, 0, 255, 0, 0, 0];
    assert!(ip_within(&[10, 1, 2, 3], &c).unwrap());
    assert!(!ip_within(&[11, 1, 2, 3], &c).unwrap());
    assert!(!ip_within(&[0; 16], &c).unwrap());
    assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 255, 0]).is_err());
    assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0]).is_err());
}

#[test]
fn email_and_uri_constraints() {
    assert!(email_within(b"a@example.com", b"example.com"));
    assert!(!email_within(b"a@x.example.com", b"example.com"));
    assert!(email_within(b"a@x.example.com", b".example.com"));
    assert!(email_within(b"a@example.com", b"a@EXAMPLE.com"));
    assert!(!email_within(b"b@example.com", b"a@example.com"));
    assert_eq!(
        uri_host(b"http://user@host.example:80/x"),
        Some(&b"host.example"[..])
    );
    assert_eq!(uri_host(b"mailto:x@y"), None);
    assert!(uri_within(b"https://a.example.com/", b".example.com").unwrap());
}

fn name(parts: &[(&[u8], u8, &str)]) -> Vec<u8> {
    // Build SEQUENCE OF SET OF SEQUENCE { OID, value } for small test names.
    let mut rdns = Vec::new();
    for (oid, tag, v) in parts {
        let mut ava = Vec::from([0x06, oid.len() as u8]);
        ava.extend_from_slice(oid);
        ava.extend_from_slice(&[*tag, v.len() as u8]);
        ava.extend_from_slice(v.as_bytes());
        let mut seq = Vec::from([0x30, ava.len() as u8]);
        seq.extend(ava);
        let mut set = Vec::from([0x31, seq.len() as u8]);
        set.extend(seq);
        rdns.extend(set);
    }
    let mut out = Vec::from([0x30, rdns.len() as u8]);
    out.extend(rdns);
    out
}

#[test]
fn distinguished_names() {
    let c: &[u8] = &[0x55, 4, 6];
    let cn: &[u8] = &[0x55, 4, 3];
    let a = name(&[(c, 0x13, "US"), (cn, 0x13, "Good  CA")]);
    let b = name(&[(c, 0x13, "US"), (cn, 0x0c, " good ca ")]);
    let d = name(&[(c, 0x13, "US"), (cn, 0x13, "Other CA")]);
    let base = name(&[(c, 0x13, "us")]);
    assert!(names_equal(&a, &a));
    assert!(names_equal(&a, &b));
    assert!(!names_equal(&a, &d));
    assert!(name_within(&a, &base).unwrap());
    assert!(!name_within(&base, &a).unwrap());
    assert_eq!(name_to_string(&a), "C=US, CN=Good  CA");
    assert_eq!(common_names(&b), [&b" good ca "[..]]);
    for n in 0..a.len() {
        assert!(rdns(&a[..n]).is_err());
    }
}

#[test]
fn ip_text() {
    assert_eq!(ip_to_string(&[127, 0, 0, 1]), "127.0.0.1");
    let mut v6 = [0u8; 16];
    v6[15] = 1;
    assert_eq!(ip_to_string(&v6), "0:0:0:0:0:0:0:1");
}
