//! `--html` end to end: the page `lucid demo --html` writes, loaded in a real headless
//! Chromium, plus the bad-input cases.
//!
//! - The browser test runs `lucid demo --html`, adds a test script to a copy of the page
//!   (its hash goes into the page's Content-Security-Policy beside the page's own, so the
//!   policy stays on and must admit the page's style and script), and has Chromium run it
//!   with `--dump-dom`. The script focuses every field row and hovers every group of bytes
//!   in the hex, checks that the page's own handlers highlighted that field's bytes and row
//!   (and that the highlight is visible in the computed style), that the box above the table
//!   names the field, that the arrow keys move between fields, that every ladder arrow leads
//!   to an element of the page and that every record and message has its field block; it
//!   writes what it found into the DOM, which the test reads back. Two screenshots go to
//!   `target/interop/html/`: the top of the page, and connection 1's walk-through with a
//!   ClientHello field highlighted.
//! - Without Chromium the browser test fails under `LUCID_REQUIRE_PEERS=1` and is skipped
//!   (loudly) otherwise.
//! - An unwritable `--html` / `--html-dir` path fails at startup (exit 1, one line naming
//!   the path, nothing on stdout); a handshake that fails midway still gets its page, with
//!   everything up to the failure and the error.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use lucid_cli::show::html::csp_hash;
use lucid_test_support::peers;

fn lucid() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lucid"));
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

fn out_dir() -> PathBuf {
    peers::out_dir("html")
}

/// Chromium, or `None` after `missing_peer` said why (which panics when peers are required).
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"]
        .iter()
        .find_map(|p| peers::find_program(p));
    if found.is_none() {
        peers::missing_peer(
            "chromium",
            "`chromium` not on PATH (Debian: apt-get install chromium)",
        );
    }
    found
}

/// Runs headless Chromium on `page` with `args`, killed after a minute.
fn run_chromium(chromium: &Path, profile: &Path, args: &[String], page: &Path) -> Output {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Read stdout on a thread so a large DOM cannot fill the pipe and stall Chromium.
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = Vec::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_end(&mut stderr);
    }
    Output {
        status,
        stdout: reader.join().expect("reader"),
        stderr,
    }
}

/// A copy of `page` at `to` with `script` appended and allowed by the page's policy.
fn with_script(page: &str, script: &str, to: &Path) {
    let policy = "script-src '";
    assert_eq!(page.matches(policy).count(), 1, "one script-src");
    let page = page
        .replacen(policy, &format!("script-src '{}' '", csp_hash(script)), 1)
        .replacen("</body>", &format!("<script>{script}</script>\n</body>"), 1);
    std::fs::write(to, page).unwrap();
}

/// The checks, run in the page. Results go into `<pre id="lucid-test-result">`, one
/// `key=value` per line.
const CHECKS: &str = r#"
(function(){
var fail=[];
function all(sel,root){return Array.prototype.slice.call((root||document).querySelectorAll(sel));}
var out=[];
all('section.conn').forEach(function(c){
  out.push('messages '+c.id+'='+all('section.msg h4',c).map(function(h){return h.firstChild.textContent.trim();}).join(','));
});
all('section.rec, section.msg, section.ccs').forEach(function(s){
  var fb=all('.fb',s);
  if(fb.length!==1){fail.push('no field block in '+s.id);return;}
  var rows=all('tr.f',fb[0]),spans=all('.dump [data-f]',fb[0]);
  if(rows.length===0||rows.length!==spans.length)fail.push(s.id+': '+rows.length+' rows, '+spans.length+' byte groups');
});
var plain=getComputedStyle(document.querySelector('.dump [data-f]')).backgroundColor;
var rows=all('tr.f'),focused=0;
rows.forEach(function(row){
  row.focus();
  if(document.activeElement!==row){fail.push('cannot focus '+row.id);return;}
  var fb=row.closest('.fb'),span=fb.querySelector('.dump [data-f="'+row.id+'"]');
  var info=fb.querySelector('.info'),name=row.querySelector('.name').textContent;
  if(!span||!span.classList.contains('hl')||!row.classList.contains('hl'))fail.push('focus did not highlight '+row.id);
  else if(getComputedStyle(span).backgroundColor===plain||getComputedStyle(span).outlineStyle==='none')fail.push('highlight of '+row.id+' not visible');
  if(info.hidden||info.textContent.indexOf(name)!==0||info.textContent.indexOf(span?span.textContent:'?')<0)fail.push('info box for '+row.id+': '+info.textContent);
  if(all('.hl').length!==2)fail.push(all('.hl').length+' elements highlighted after focusing '+row.id);
  focused++;
});
var hovered=0;
all('.dump [data-f]').forEach(function(span){
  span.dispatchEvent(new MouseEvent('mouseover',{bubbles:true}));
  var row=document.getElementById(span.getAttribute('data-f'));
  if(!row||!span.classList.contains('hl')||!row.classList.contains('hl'))fail.push('hover did not highlight '+span.getAttribute('data-f'));
  hovered++;
});
var first=rows[0];first.focus();
first.dispatchEvent(new KeyboardEvent('keydown',{key:'ArrowDown',bubbles:true}));
if(document.activeElement!==first.closest('tbody').querySelectorAll('tr.f')[1])fail.push('ArrowDown did not move to the next field');
var links=all('svg a');
links.forEach(function(a){var id=a.getAttribute('href').slice(1);if(!document.getElementById(id))fail.push('arrow to missing #'+id);});
out.push('rows='+rows.length,'focused='+focused,'hovered='+hovered,'arrows='+links.length,'failures='+fail.join(' | '));
var pre=document.createElement('pre');pre.id='lucid-test-result';pre.textContent=out.join('\n');
document.body.appendChild(pre);
})();
"#;

/// For the screenshot: connection 1's walk-through at the top, a ClientHello field
/// focused (headless screenshots come out blank when the page is scrolled, so what comes
/// before is hidden instead).
const SHOW_FIELD: &str = r#"
(function(){
var wt=document.getElementById('c1-wt');
for(var n=wt;n&&n!==document.body;n=n.parentElement){for(var p=n.previousElementSibling;p;p=p.previousElementSibling)p.hidden=true;}
var hello=document.querySelector('#c1 section.msg');
var row=Array.prototype.slice.call(hello.querySelectorAll('tr.f')).filter(function(r){return r.querySelector('.name').textContent==='random.gmt_unix_time';})[0];
row.focus({preventScroll:true});
})();
"#;

/// What the checks wrote, as (key, value) pairs.
fn results(dom: &str) -> Vec<(String, String)> {
    let start = dom
        .find("<pre id=\"lucid-test-result\">")
        .unwrap_or_else(|| panic!("the checks did not run; the DOM ends with: {}", tail(dom)));
    let rest = &dom[start + "<pre id=\"lucid-test-result\">".len()..];
    let text = &rest[..rest.find("</pre>").expect("</pre>")];
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("&amp;", "&")))
        .collect()
}

fn tail(s: &str) -> &str {
    let mut i = s.len().saturating_sub(2000);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[i..]
}

fn value<'a>(r: &'a [(String, String)], key: &str) -> &'a str {
    r.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {r:?}"))
}

#[test]
fn demo_page_in_headless_chromium() {
    let dir = out_dir();
    let page = dir.join("demo.html");
    let _ = std::fs::remove_file(&page);
    let start = Instant::now();
    let out = lucid()
        .args(["demo", "--brief", "--html"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lucid demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing is fetched.
    for fetch in ["src=", "<link", "@import", "url(http", "href=\"http"] {
        assert!(!html.contains(fetch), "the page fetches something: {fetch}");
    }
    let Some(chromium) = chromium() else { return };
    let profile = dir.join("chromium-profile");

    let checked = dir.join("demo-checked.html");
    with_script(&html, CHECKS, &checked);
    let run = run_chromium(&chromium, &profile, &["--dump-dom".to_string()], &checked);
    assert!(
        run.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let r = results(&String::from_utf8_lossy(&run.stdout));
    assert_eq!(value(&r, "failures"), "", "{r:#?}");
    // Every handshake message of the three connections, in order (then the closing alerts).
    let full_rsa =
        "ClientHello,ServerHello,Certificate,ServerHelloDone,ClientKeyExchange,Finished,Finished";
    let full_ecdhe = "ClientHello,ServerHello,Certificate,ServerKeyExchange,ServerHelloDone,ClientKeyExchange,Finished,Finished";
    let resumed = "ClientHello,ServerHello,Finished,Finished";
    for (conn, expected) in [("c1", full_rsa), ("c2", full_ecdhe), ("c3", resumed)] {
        let got = value(&r, &format!("messages {conn}"));
        assert!(
            got.starts_with(expected)
                && got[expected.len()..]
                    .split(',')
                    .skip(1)
                    .all(|m| m == "Alert"),
            "{conn}: {got}"
        );
    }
    let rows: usize = value(&r, "rows").parse().unwrap();
    assert!(rows > 300, "only {rows} fields");
    assert_eq!(value(&r, "focused"), rows.to_string());
    assert_eq!(value(&r, "hovered"), rows.to_string());
    let arrows: usize = value(&r, "arrows").parse().unwrap();
    assert!(arrows >= 30, "{arrows} arrows");

    let shot = |name: &str, size: &str, page: &Path| {
        let png = dir.join(name);
        let _ = std::fs::remove_file(&png);
        let run = run_chromium(
            &chromium,
            &profile,
            &[
                format!("--screenshot={}", png.display()),
                format!("--window-size={size}"),
            ],
            page,
        );
        assert!(
            run.status.success(),
            "chromium --screenshot failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let bytes = std::fs::read(&png).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            png.display()
        );
        println!("screenshot: {} ({} bytes)", png.display(), bytes.len());
    };
    shot("demo.png", "1000,1400", &page);
    let field = dir.join("demo-field.html");
    with_script(&html, SHOW_FIELD, &field);
    shot("demo-field.png", "900,1000", &field);
    println!("browser test: {:.1} s", start.elapsed().as_secs_f64());
}

/// A path no one can create a file under, root included: below a regular file.
fn unwritable(name: &str) -> PathBuf {
    let file = out_dir().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    file.join(name)
}

#[test]
fn unwritable_page_path_fails_before_any_network_activity() {
    let bad = unwritable("x.html");
    let bad_dir = unwritable("pages");
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let cert = peers::pki("chain.pem").display().to_string();
    let key = peers::pki("leaf.key").display().to_string();
    let bad_s = bad.display().to_string();
    let bad_dir_s = bad_dir.display().to_string();
    let runs: [(&str, Vec<&str>, String); 3] = [
        (
            "connect",
            vec!["connect", &closed, "--request", "x", "--html", &bad_s],
            format!("cannot write the --html page {bad_s}: "),
        ),
        (
            "demo",
            vec!["demo", "--brief", "--html", &bad_s],
            format!("cannot write the --html page {bad_s}: "),
        ),
        (
            "serve",
            vec![
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--cert",
                &cert,
                "--key",
                &key,
                "--html-dir",
                &bad_dir_s,
            ],
            format!("cannot write pages to the --html-dir directory {bad_dir_s}: "),
        ),
    ];
    for (name, args, message) in runs {
        let start = Instant::now();
        let out = lucid().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr:?}");
        assert!(
            stderr.starts_with(&format!("lucid {name}: {message}")),
            "{name}: {stderr:?}"
        );
        assert!(out.stdout.is_empty(), "{name}: printed before failing");
        assert!(start.elapsed() < Duration::from_secs(5), "{name}");
    }
}

/// A server that reads the ClientHello and hangs up: the page still shows the ClientHello,
/// field by field, and the error — in every output mode.
#[test]
fn page_of_a_handshake_that_fails_midway() {
    for mode in [None, Some("--trace"), Some("--json")] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = thread::spawn(move || {
            let (mut sock, _) = listener.accept().unwrap();
            let mut header = [0u8; 5];
            sock.read_exact(&mut header).unwrap();
            let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
            let mut body = vec![0u8; len];
            sock.read_exact(&mut body).unwrap();
        });
        let page = out_dir().join(format!(
            "hangup{}.html",
            mode.unwrap_or("").trim_start_matches('-')
        ));
        let _ = std::fs::remove_file(&page);
        let mut cmd = lucid();
        cmd.args([
            "connect",
            &addr,
            "--request",
            "x",
            "--timeout",
            "5",
            "--html",
        ])
        .arg(&page)
        .args(mode);
        let out = cmd.output().unwrap();
        server.join().unwrap();
        assert_eq!(out.status.code(), Some(1), "{mode:?}");
        let html = std::fs::read_to_string(&page)
            .unwrap_or_else(|e| panic!("{mode:?}: no page after a failed handshake: {e}"));
        assert!(
            html.contains("\">ClientHello <span class=\"size\">"),
            "{mode:?}"
        );
        assert!(html.contains("<b class=\"name\">random.random_bytes</b>"));
        assert!(
            html.contains("connection failed: the server closed the connection without answering the ClientHello"),
            "{mode:?}: no error on the page"
        );
        assert!(html.ends_with("</html>\n"));
        if mode == Some("--json") {
            assert!(String::from_utf8_lossy(&out.stdout).starts_with("{\"connection\":1"));
        }
    }
}
