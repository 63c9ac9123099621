//! `--html`: one self-contained page per run (inline CSS, a little inline JavaScript, no
//! fetches), laid out from the same [`trace::steps`] and [`timeline::ladder`] as `--trace`
//! and `--timeline`, so it says exactly what they say:
//!
//! - per connection, the ladder as an inline SVG whose arrows link to their messages;
//! - every record header and handshake message as a block of hex grouped by field, with a
//!   table beside it of each field's bytes, name and explanation; hovering a field (in the
//!   hex or the table) or focusing it with the keyboard highlights its bytes and shows its
//!   name, value and explanation above the table;
//! - the certificate checks as a chain of boxes with each verdict, the key schedule as a
//!   flow from the pre-master secret to the keys the key block is cut into, and for
//!   encrypted records the parts of the fragment (IV or nonce, ciphertext, MAC or tag,
//!   padding) before the content as lucid decrypted it.
//!
//! Everything the static page says is readable with scripts off (and in print); the script
//! only adds the highlighting. Every text is HTML-escaped — certificate subjects and
//! failure reasons come from the peer. A Content-Security-Policy pins the style and script
//! by hash, so nothing else can run or load even if escaping ever failed.

use core::fmt::Write;

use lucid_core::trace::Direction;
use lucid_core::trace::Event;
use sha2::{Digest, Sha256};

use super::fields::Field;
use super::timeline::{self, Item};
use super::trace::{self, ChainCheck, Layout, Step, StepKind, Tone, Verdict};
use super::{Ev, Options, Side, Stamped, hex, ms, way};

/// One connection on a page.
#[derive(Debug, Clone, Copy)]
pub struct Connection<'a> {
    /// Its heading.
    pub title: &'a str,
    /// Its events, as the client saw them.
    pub events: &'a [Stamped],
    /// The server's own events on the same clock, when known (`lucid demo`); may be empty.
    pub server: &'a [Stamped],
}

/// A whole page.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The page title and top heading.
    pub title: &'a str,
    /// A paragraph under the heading.
    pub intro: &'a str,
    /// The connections, in order.
    pub connections: &'a [Connection<'a>],
    /// A failure outside any connection (e.g. the name did not resolve).
    pub error: Option<&'a str>,
}

const CSS: &str = r#"
:root{--fg:#1b1b1b;--bg:#fff;--mut:#5a5a5a;--line:#c8c8c8;--box:#f3f3f3;--hl:#ffe27a;--hlo:#7a4f00;--good:#17672a;--bad:#a50f0f;--warn:#7a4f00;--cs:#0b5cad;--sc:#6b3fa0}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#151515;--mut:#a8a8a8;--line:#464646;--box:#222;--hl:#5c4700;--hlo:#ffd75e;--good:#74d486;--bad:#ff8080;--warn:#ffcc66;--cs:#82b8ff;--sc:#cfa8ff}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:75rem;padding:1rem;font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
code,time,.dump,.hex{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.875rem}
a{color:var(--cs)}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.35rem;margin:2.5rem 0 .5rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}
h3{font-size:1.15rem;margin:1.5rem 0 .5rem}
h4{font-size:1rem;margin:0 0 .3rem;overflow-wrap:anywhere}
h5{font-size:.95rem;margin:0 0 .2rem;overflow-wrap:anywhere}
time{color:var(--mut);margin-right:.6em;white-space:nowrap}
.how{color:var(--mut)}
.step{margin:.7rem 0;padding:.4rem .7rem;border-left:4px solid var(--line)}
.cs{border-left-color:var(--cs)}
.sc{border-left-color:var(--sc);border-left-style:double}
.msg,.ccs,.app{margin-left:1.5rem}
.banner{border-left-style:dotted}
.size{font-weight:normal;color:var(--mut)}
.dump{max-width:50ch;margin:.3rem 0;padding:.3rem .6rem;background:var(--box);line-height:1.8}
.dump span{border-bottom:1px solid var(--mut);cursor:default}
.hl{background:var(--hl);outline:2px solid var(--hlo)}
.info{margin:.3rem 0;padding:.3rem .6rem;border:2px solid var(--hlo);overflow-wrap:anywhere}
table.fields{border-collapse:collapse;width:100%;table-layout:fixed}
.fields td{vertical-align:top;padding:.15rem .4rem;border-top:1px solid var(--line)}
.fields col.hx{width:13.5rem}
.fields td.hex{white-space:nowrap}
.fields tr.f{cursor:default}
.fields tr.f:focus{outline:3px solid var(--hlo);outline-offset:-3px}
.fields tr:target{outline:3px dashed var(--hlo)}
.what{overflow-wrap:anywhere}
.d1 .what{padding-left:1.4rem}.d2 .what{padding-left:2.4rem}.d3 .what{padding-left:3.4rem}.d4 .what{padding-left:4.4rem}
.more{color:var(--mut);font-style:italic;white-space:normal}
.t-good{color:var(--good)}.t-bad{color:var(--bad);font-weight:bold}.t-warn{color:var(--warn)}.t-dim{color:var(--mut)}
.ok{color:var(--good);font-weight:bold}.no{color:var(--bad);font-weight:bold}
.outcome{font-weight:bold}
.parts,.keys,.flow,.certs{list-style:none;padding:0;margin:.3rem 0}
.parts{display:flex;flex-wrap:wrap;gap:3px}
.parts li{border:2px solid var(--line);padding:.15rem .5rem}
.parts li.enc{border-style:dashed;background:repeating-linear-gradient(135deg,var(--box) 0 6px,transparent 6px 12px)}
.keys{display:flex;flex-wrap:wrap;gap:4px}
.keys li{border:1px solid var(--line);padding:.15rem .5rem;background:var(--box)}
.node{border:1px solid var(--line);padding:.3rem .6rem;background:var(--box)}
.flow>li+li::before,.kb::before{content:"\2193  PRF";display:block;color:var(--mut);margin:.2rem 0 .2rem 1rem}
.cert{border:2px solid var(--line);padding:.3rem .6rem;background:var(--box)}
.cert+.cert::before{content:"\2191  issued the certificate above";display:block;color:var(--mut);margin:-.2rem 0 .3rem}
.cert.anchor{border-style:double;border-width:4px}
.cert ul{margin:.2rem 0;padding-left:1.2rem}
.ladder{margin:.5rem 0;overflow-x:auto}
.ladder svg{width:100%;min-width:30rem;max-width:52rem;height:auto}
.ladder text{font:13px system-ui,sans-serif;fill:var(--fg)}
.ladder .tm{fill:var(--mut);font-family:ui-monospace,Menlo,monospace;font-size:11px}
.ladder .life{stroke:var(--line);stroke-width:2}
.ladder .ar{stroke:var(--fg);stroke-width:1.5}
.ladder .rc{stroke-dasharray:6 3}
.ladder .head{fill:var(--fg)}
.ladder .note{fill:var(--mut);font-style:italic}
.ladder a:hover text,.ladder a:focus text{text-decoration:underline;font-weight:bold}
.ladder a:focus{outline:2px solid var(--hlo)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:42rem){body{padding:.5rem}table.fields{table-layout:auto}.fields tr,.fields td{display:block}.fields tr{border-top:1px solid var(--line);padding:.15rem 0}.fields td{border:0}.fields td.hex{white-space:normal}.msg,.ccs,.app{margin-left:.4rem}.step{padding:.3rem .4rem}.d1 .what,.d2 .what,.d3 .what,.d4 .what{padding-left:.4rem}}
@media print{.info{display:none}.step{break-inside:avoid}a{color:inherit}}
"#;

const SCRIPT: &str = r#"
(function(){
var lit=[];
function clear(){lit.forEach(function(e){e.classList.remove('hl')});lit=[];}
function show(id){
var row=document.getElementById(id);
if(!row||!row.classList.contains('f'))return;
clear();
var block=row.closest('.fb');
lit=[row].concat(Array.prototype.slice.call(block.querySelectorAll('.dump [data-f="'+id+'"]')));
lit.forEach(function(e){e.classList.add('hl')});
var info=block.querySelector('.info');
info.textContent='';
var b=document.createElement('b');b.textContent=row.querySelector('.name').textContent;
info.appendChild(b);
var n=row.getAttribute('data-n');
info.appendChild(document.createTextNode(' = '+(lit.length>1?lit[1].textContent:'')+' ('+n+(n==='1'?' byte':' bytes')+')'));
var note=row.querySelector('.note');
if(note){info.appendChild(document.createElement('br'));info.appendChild(document.createTextNode(note.textContent));}
info.hidden=false;
}
document.addEventListener('mouseover',function(ev){
var t=ev.target.closest&&ev.target.closest('.dump [data-f], tr.f');
if(t)show(t.getAttribute('data-f')||t.id);
});
document.addEventListener('focusin',function(ev){
var t=ev.target.closest&&ev.target.closest('tr.f');
if(t)show(t.id);
});
document.addEventListener('keydown',function(ev){
var t=ev.target;
if(!t.classList||!t.classList.contains('f'))return;
var rows=Array.prototype.slice.call(t.closest('tbody').querySelectorAll('tr.f'));
var i=rows.indexOf(t),j=-1;
if(ev.key==='ArrowDown')j=i+1;else if(ev.key==='ArrowUp')j=i-1;
else if(ev.key==='Home')j=0;else if(ev.key==='End')j=rows.length-1;else return;
if(j>=0&&j<rows.length){rows[j].focus();ev.preventDefault();}
});
if(location.hash)show(decodeURIComponent(location.hash.slice(1)));
})();
"#;

/// Escapes text for an HTML text node or a quoted attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders a whole page.
pub fn render(page: &Page<'_>, opts: &Options) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{}'; script-src '{}'\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p>{}</p>\n",
        csp_hash(CSS),
        csp_hash(SCRIPT),
        esc(page.title),
        esc(page.title),
        esc(page.intro),
    );
    out.push_str(
        "<p class=\"how\">Every record and handshake message is shown as hex grouped by field, \
         with each field's name and what it is for. Hover over a field, or move to it with Tab \
         (then the arrow keys), to highlight its bytes. The arrows of each timeline lead to \
         their message.</p>\n",
    );
    if page.connections.len() > 1 {
        out.push_str("<nav aria-label=\"Connections\">\n<ol>\n");
        for (k, c) in page.connections.iter().enumerate() {
            let _ = writeln!(
                out,
                "<li><a href=\"#c{}\">{}</a>: {}</li>",
                k + 1,
                esc(c.title),
                esc(&outcome(c.events).1)
            );
        }
        out.push_str("</ol>\n</nav>\n");
    }
    out.push_str("</header>\n<main>\n");
    if let Some(e) = page.error {
        let _ = writeln!(
            out,
            "<p class=\"outcome t-bad\">{}{}</p>",
            mark(Tone::Bad),
            esc(e)
        );
    }
    for (k, c) in page.connections.iter().enumerate() {
        connection(&mut out, k + 1, c, opts);
    }
    out.push_str(
        "</main>\n<footer>\n<p class=\"how\">Written by lucid from its trace events: the same \
         texts as <code>--trace</code> and <code>--timeline</code>.</p>\n</footer>\n",
    );
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// `sha256-<base64>` of an inline element's text, as a Content-Security-Policy source
/// (the page allows exactly its own style and script this way).
pub fn csp_hash(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                let i = usize::try_from((n >> (18 - 6 * k)) & 63).unwrap_or_default();
                out.push(char::from(ABC.get(i).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The one-line outcome of a connection: (tone, text, event index).
fn outcome(events: &[Stamped]) -> (Tone, String, Option<usize>) {
    let mut done = None;
    for (i, e) in events.iter().enumerate() {
        match &e.ev {
            Ev::Failed { reason } => {
                return (Tone::Bad, format!("connection failed: {reason}"), Some(i));
            }
            Ev::Tls(Event::HandshakeComplete {
                version,
                suite,
                resumed,
            }) => {
                done = Some((
                    Tone::Good,
                    format!(
                        "handshake complete: {}, {suite}, {}",
                        super::version_name(*version),
                        if *resumed {
                            "resumed session"
                        } else {
                            "full handshake"
                        }
                    ),
                    Some(i),
                ));
            }
            _ => {}
        }
    }
    done.unwrap_or((
        Tone::Warn,
        "the handshake did not complete".to_string(),
        None,
    ))
}

fn mark(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "\u{2713} ",
        Tone::Bad => "\u{2717} ",
        Tone::Warn => "\u{26a0} ",
        Tone::Head | Tone::Dim => "",
    }
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Head => "t-head",
        Tone::Dim => "t-dim",
        Tone::Good => "t-good",
        Tone::Bad => "t-bad",
        Tone::Warn => "t-warn",
    }
}

/// "cs" (client to server) or "sc", as a class.
fn dir_class(side: Side, dir: Direction) -> &'static str {
    match side.client_view(dir) {
        Direction::Sent => "cs",
        Direction::Received => "sc",
    }
}

fn connection(out: &mut String, k: usize, c: &Connection<'_>, opts: &Options) {
    let _ = writeln!(
        out,
        "<section class=\"conn\" id=\"c{k}\" aria-labelledby=\"c{k}-h\">\n<h2 id=\"c{k}-h\">{}</h2>",
        esc(c.title)
    );
    let (tone, text, at) = outcome(c.events);
    let text = format!("{}{}", mark(tone), esc(&text));
    let _ = match at {
        Some(i) => writeln!(
            out,
            "<p class=\"outcome {}\"><a href=\"#c{k}-e{i}\">{text}</a></p>",
            tone_class(tone)
        ),
        None => writeln!(out, "<p class=\"outcome {}\">{text}</p>", tone_class(tone)),
    };
    let _ = writeln!(out, "<h3 id=\"c{k}-tl\">Timeline</h3>");
    ladder(out, k, c, opts);
    let _ = writeln!(out, "<h3 id=\"c{k}-wt\">Walk-through</h3>");
    let steps = trace::steps(c.events, opts);
    let pre_master = steps
        .iter()
        .find(|s| matches!(s.kind, StepKind::PreMaster { .. }))
        .map(|s| s.event);
    for s in &steps {
        step(out, k, s, pre_master, opts);
    }
    out.push_str("</section>\n");
}

/// Row height and geometry of the ladder.
const ROW: usize = 26;
const LEFT: usize = 110;
const RIGHT: usize = 690;
const WIDTH: usize = 720;
/// Longest label drawn in full (the rest goes into its tooltip).
const LABEL: usize = 72;

fn ladder(out: &mut String, k: usize, c: &Connection<'_>, opts: &Options) {
    let lines = timeline::ladder(c.events, c.server, opts.side);
    let height = 44 + ROW * lines.len() + 10;
    let _ = writeln!(
        out,
        "<figure class=\"ladder\">\n<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" aria-labelledby=\"c{k}-tl\">\n\
         <defs><marker id=\"c{k}-ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path class=\"head\" d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n\
         <text x=\"{LEFT}\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">client</text>\
         <text x=\"{RIGHT}\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">server</text>\n\
         <line class=\"life\" x1=\"{LEFT}\" y1=\"26\" x2=\"{LEFT}\" y2=\"{}\"/><line class=\"life\" x1=\"{RIGHT}\" y1=\"26\" x2=\"{RIGHT}\" y2=\"{}\"/>",
        height - 4,
        height - 4
    );
    let mut last_time = String::new();
    for (n, l) in lines.iter().enumerate() {
        let y = 44 + ROW * n + ROW / 2;
        let t = ms(l.at);
        if t != last_time {
            let _ = write!(
                out,
                "<text class=\"tm\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                LEFT - 12,
                y + 4,
                esc(&t)
            );
            last_time = t;
        }
        let mid = (LEFT + RIGHT) / 2;
        match &l.item {
            Item::Arrow(dir, label) => {
                // Arrows are in the client's view: `Sent` is client to server.
                let (x1, x2, class) = match dir {
                    Direction::Sent => (LEFT, RIGHT, "ar"),
                    Direction::Received => (RIGHT, LEFT, "ar rc"),
                };
                let (shown, title) = fit(label);
                let _ = write!(
                    out,
                    "\n<a href=\"#c{k}-e{}\"><title>{}: {}</title><line class=\"{class}\" x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" marker-end=\"url(#c{k}-ah)\"/><text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\">{}</text></a>",
                    l.event.unwrap_or_default(),
                    way(Side::Client, *dir),
                    esc(&title),
                    y - 5,
                    esc(&shown)
                );
            }
            Item::Note(text) => {
                let (shown, title) = fit(text);
                let _ = write!(
                    out,
                    "\n<text class=\"note\" x=\"{}\" y=\"{}\"><title>{}</title>{}</text>",
                    LEFT + 8,
                    y + 4,
                    esc(&title),
                    esc(&shown)
                );
            }
            Item::ServerNote(text) => {
                let (shown, title) = fit(text);
                let _ = write!(
                    out,
                    "\n<text class=\"note\" x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>server: {}</title>{}</text>",
                    RIGHT - 8,
                    y + 4,
                    esc(&title),
                    esc(&shown)
                );
            }
        }
    }
    out.push_str("\n</svg>\n</figure>\n");
}

/// A label short enough for the ladder, and the whole label.
fn fit(s: &str) -> (String, String) {
    if s.chars().count() <= LABEL {
        return (s.to_string(), s.to_string());
    }
    let mut t: String = s.chars().take(LABEL - 1).collect();
    t.push('\u{2026}');
    (t, s.to_string())
}

fn time(s: &Step) -> String {
    format!("<time>{}</time>", esc(&ms(s.at)))
}

fn step(out: &mut String, k: usize, s: &Step, pre_master: Option<usize>, opts: &Options) {
    let id = format!("c{k}-e{}", s.event);
    match &s.kind {
        StepKind::Banner { tone, text } => {
            let _ = writeln!(
                out,
                "<p class=\"step banner {}\" id=\"{id}\">{}{}{}</p>",
                tone_class(*tone),
                time(s),
                mark(*tone),
                esc(text)
            );
        }
        StepKind::Record {
            dir,
            title,
            fields,
            layout,
            ..
        } => {
            let _ = writeln!(
                out,
                "<section class=\"step rec {}\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">{}{}</h4>",
                dir_class(opts.side, *dir),
                time(s),
                esc(title)
            );
            field_block(out, &id, fields, true);
            if let Some(l) = layout {
                layout_figure(out, l);
            }
            out.push_str("</section>\n");
        }
        StepKind::Message {
            dir,
            name,
            size,
            fields,
            warning,
            ..
        } => {
            let _ = writeln!(
                out,
                "<section class=\"step msg {}\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">{} <span class=\"size\">{}</span></h4>",
                dir_class(opts.side, *dir),
                esc(name),
                esc(size)
            );
            field_block(out, &id, fields, opts.full_hex);
            if let Some(w) = warning {
                let _ = writeln!(
                    out,
                    "<p class=\"t-warn\">{}{}</p>",
                    mark(Tone::Warn),
                    esc(w)
                );
            }
            out.push_str("</section>\n");
        }
        StepKind::Sslv2Hello { title, fields } => {
            let _ = writeln!(
                out,
                "<section class=\"step rec {}\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">{}{}</h4>",
                dir_class(opts.side, Direction::Received),
                time(s),
                esc(title)
            );
            field_block(out, &id, fields, true);
            out.push_str("</section>\n");
        }
        StepKind::ChangeCipherSpec { dir, field } => {
            let _ = writeln!(
                out,
                "<section class=\"step ccs {}\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">ChangeCipherSpec <span class=\"size\">(1 byte)</span></h4>",
                dir_class(opts.side, *dir)
            );
            field_block(out, &id, core::slice::from_ref(field), true);
            out.push_str("</section>\n");
        }
        StepKind::ApplicationData { dir, lines, .. } => {
            let _ = writeln!(
                out,
                "<section class=\"step app {}\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">application data</h4>",
                dir_class(opts.side, *dir)
            );
            for l in lines {
                let _ = writeln!(out, "<p>{}</p>", esc(l));
            }
            out.push_str("</section>\n");
        }
        StepKind::PreMaster {
            title,
            text,
            secret,
        } => {
            let _ = writeln!(
                out,
                "<section class=\"step ks\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">{}{}</h4>\n<div class=\"node\"><p><b>pre_master_secret</b>: {}</p>{}</div>\n</section>",
                time(s),
                esc(title),
                esc(text),
                secret_html(secret.as_deref())
            );
        }
        StepKind::MasterSecret {
            title,
            lines,
            secret,
            resumed,
        } => {
            let _ = writeln!(
                out,
                "<section class=\"step ks\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">{}{}</h4>\n<ol class=\"flow\">",
                time(s),
                esc(title)
            );
            if !resumed {
                let _ = match pre_master {
                    Some(e) => writeln!(
                        out,
                        "<li class=\"node\"><a href=\"#c{k}-e{e}\">pre_master_secret</a> (above)</li>"
                    ),
                    None => writeln!(out, "<li class=\"node\">pre_master_secret</li>"),
                };
            }
            out.push_str("<li class=\"node\">");
            for (label, text) in lines {
                let _ = write!(
                    out,
                    "<p><b>{}</b> {}</p>",
                    esc(label.trim_end_matches(':')),
                    esc(text)
                );
            }
            out.push_str(&secret_html(secret.as_deref()));
            out.push_str("</li>\n</ol>\n</section>\n");
        }
        StepKind::KeyBlock { text, keys, note } => {
            let _ = writeln!(
                out,
                "<section class=\"step ks kb\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<div class=\"node\"><h4 id=\"{id}-h\">key_block</h4><p>{}</p>\n<ol class=\"keys\">",
                esc(text)
            );
            let mut from = 0usize;
            for (name, len) in keys {
                let _ = writeln!(
                    out,
                    "<li><b>{}</b> [{len}]<br><small>bytes {from}\u{2013}{}</small></li>",
                    esc(name),
                    (from + len).saturating_sub(1)
                );
                from += len;
            }
            out.push_str("</ol>\n");
            if let Some(n) = note {
                let _ = writeln!(out, "<p class=\"t-dim\">{}</p>", esc(n));
            }
            out.push_str("</div>\n</section>\n");
        }
        StepKind::Chain { title, check } => {
            let _ = writeln!(
                out,
                "<section class=\"step chain\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h4 id=\"{id}-h\">{}{}</h4>",
                time(s),
                esc(title)
            );
            chain(out, check);
            out.push_str("</section>\n");
        }
        StepKind::Unknown { text } => {
            let _ = writeln!(
                out,
                "<p class=\"step\" id=\"{id}\">{}<code>{}</code></p>",
                time(s),
                esc(text)
            );
        }
    }
}

fn secret_html(secret: Option<&[u8]>) -> String {
    match secret {
        Some(v) => format!(
            "<p class=\"t-warn\">{}value: <code>{}</code></p>",
            mark(Tone::Warn),
            hex::compact(v)
        ),
        None => "<p class=\"t-dim\">(value not shown; --show-secrets prints it)</p>".to_string(),
    }
}

fn verdict(v: &Verdict) -> String {
    format!(
        "{} <strong class=\"{}\">{}{}</strong>{}",
        esc(&v.text),
        if v.ok { "ok" } else { "no" },
        mark(if v.ok { Tone::Good } else { Tone::Bad }),
        v.word(),
        esc(&v.after)
    )
}

fn chain(out: &mut String, check: &ChainCheck) {
    match check {
        ChainCheck::Pinned(v) => {
            let _ = writeln!(out, "<p>{}</p>", verdict(v));
        }
        ChainCheck::Path {
            header,
            certs,
            anchor,
            name,
        } => {
            let _ = writeln!(out, "<p>{}</p>\n<ol class=\"certs\">", esc(header));
            for (i, c) in certs.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "<li class=\"cert\"><h5>[{i}] {}</h5><ul><li>{}</li><li>{}</li>{}</ul></li>",
                    esc(&c.subject),
                    verdict(&c.validity),
                    verdict(&c.signature),
                    if i == 0 {
                        format!("<li>{}</li>", verdict(name))
                    } else {
                        String::new()
                    }
                );
            }
            let _ = writeln!(
                out,
                "<li class=\"cert anchor\"><h5>trust anchor</h5><p>{}</p></li>\n</ol>",
                verdict(anchor)
            );
        }
    }
}

fn layout_figure(out: &mut String, l: &Layout) {
    out.push_str(
        "<figure class=\"layout\"><figcaption>The encrypted fragment, part by part (hatched and dashed: under the encryption):</figcaption>\n<ol class=\"parts\">",
    );
    for p in &l.parts {
        let _ = write!(
            out,
            "<li{}><b>{}</b> {} {}{}</li>",
            if p.encrypted { " class=\"enc\"" } else { "" },
            esc(p.name),
            p.len,
            if p.len == 1 { "byte" } else { "bytes" },
            if p.encrypted { ", encrypted" } else { "" }
        );
    }
    out.push_str("</ol></figure>\n");
}

/// A block of fields: the hex grouped by field, the box the script fills, and the table of
/// fields. The hex and the box are for the eye; the table says the same to screen readers.
fn field_block(out: &mut String, id: &str, fields: &[Field], full: bool) {
    out.push_str("<div class=\"fb\">\n<p class=\"dump\" aria-hidden=\"true\">");
    let mut first = true;
    for (j, f) in fields.iter().enumerate() {
        if f.bytes.is_empty() {
            continue;
        }
        if !first {
            out.push(' ');
        }
        first = false;
        let shown: Vec<String> = hex::lines(&f.bytes, full)
            .into_iter()
            .map(|l| l.unwrap_or_else(|| "\u{2026}".to_string()))
            .collect();
        let _ = write!(
            out,
            "<span data-f=\"{id}-f{j}\" title=\"{}\">{}</span>",
            esc(&f.name),
            shown.join(" ")
        );
    }
    out.push_str("</p>\n<p class=\"info\" aria-hidden=\"true\" hidden></p>\n");
    out.push_str(
        "<table class=\"fields\"><colgroup><col class=\"hx\"><col></colgroup><thead class=\"sr\"><tr><th>bytes</th><th>field</th></tr></thead><tbody>\n",
    );
    for (j, f) in fields.iter().enumerate() {
        let depth = f.depth.min(4);
        let lines = hex::lines(&f.bytes, full);
        let omitted = hex::omitted(f.bytes.len(), full);
        let hex_cell: Vec<String> = lines
            .into_iter()
            .map(|l| match l {
                Some(h) => h,
                None => format!(
                    "<span class=\"more\">\u{2026} ({omitted} more bytes; --full-hex shows them)</span>"
                ),
            })
            .collect();
        let note = if f.note.is_empty() {
            String::new()
        } else {
            format!(": <span class=\"note\">{}</span>", esc(&f.note))
        };
        if f.bytes.is_empty() {
            let _ = writeln!(
                out,
                "<tr class=\"d{depth}\"><td class=\"hex\"></td><td class=\"what\"><b class=\"name\">{}</b>{note}</td></tr>",
                esc(&f.name)
            );
        } else {
            let _ = writeln!(
                out,
                "<tr class=\"f d{depth}\" id=\"{id}-f{j}\" tabindex=\"0\" data-n=\"{}\"><td class=\"hex\"><code>{}</code></td><td class=\"what\"><b class=\"name\">{}</b>{note}</td></tr>",
                f.bytes.len(),
                hex_cell.join("<br>"),
                esc(&f.name)
            );
        }
    }
    out.push_str("</tbody></table>\n</div>\n");
}

#[cfg(test)]
#[path = "html_test.rs"]
mod tests;
