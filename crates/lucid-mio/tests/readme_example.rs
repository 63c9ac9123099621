//! The README's "own event loop" example is a verbatim copy of a compiled example, so it
//! cannot rot; and the README's code fences are well formed, so the copy (and every section
//! after it) renders as intended.

const README: &str = include_str!("../../../README.md");
const EXAMPLE: &str = include_str!("../examples/own_event_loop.rs");

/// A line that opens or closes a fenced code block.
fn is_fence(line: &str) -> bool {
    line.starts_with("```")
}

/// For each README line (numbered from 1): whether it is inside a fenced block, the fence
/// lines themselves counting as inside. Also the line of a fence left open at the end.
fn fence_map(readme: &str) -> (Vec<(usize, &str, bool)>, Option<usize>) {
    let mut open: Option<usize> = None;
    let mut lines = Vec::new();
    for (i, line) in readme.lines().enumerate() {
        let n = i + 1;
        if is_fence(line) {
            lines.push((n, line, true));
            open = match open {
                None => Some(n),
                Some(_) => None,
            };
        } else {
            lines.push((n, line, open.is_some()));
        }
    }
    (lines, open)
}

#[test]
fn readme_embeds_the_own_event_loop_example_verbatim() {
    let block = format!("```rust\n{EXAMPLE}```");
    assert!(
        README.contains(&block),
        "README.md's event-loop example differs from crates/lucid-mio/examples/own_event_loop.rs; \
         copy the file into the README again"
    );
}

#[test]
fn readme_code_fences_are_balanced() {
    let (_, open) = fence_map(README);
    let fences = README.lines().filter(|l| is_fence(l)).count();
    assert!(
        open.is_none(),
        "README.md: the ``` fence opened on line {} is never closed ({fences} fence lines in \
         all, an odd number), so everything after it renders as code",
        open.unwrap_or_default()
    );
}

#[test]
fn readme_contains_the_example_exactly_once() {
    let copies = README.matches(EXAMPLE).count();
    assert_eq!(
        copies, 1,
        "README.md holds {copies} copies of crates/lucid-mio/examples/own_event_loop.rs; \
         it must hold exactly one (inside a ```rust fence)"
    );
    // A second copy that was reformatted or edited would not match the whole file; its
    // `fn main` line still gives it away.
    let main_line = EXAMPLE
        .lines()
        .find(|l| l.starts_with("fn main("))
        .expect("the example has a `fn main(` line");
    let mains = README.lines().filter(|l| l.trim() == main_line).count();
    assert_eq!(
        mains, 1,
        "README.md has the example's `{main_line}` line {mains} times; keep only the fenced \
         verbatim copy of crates/lucid-mio/examples/own_event_loop.rs"
    );
}

#[test]
fn readme_example_is_inside_a_rust_fence() {
    let start = README
        .find(EXAMPLE)
        .expect("README.md does not contain crates/lucid-mio/examples/own_event_loop.rs");
    // The number of the example's first line, and of its last.
    let first = README[..start].lines().count() + 1;
    let last = first + EXAMPLE.lines().count() - 1;
    let (lines, _) = fence_map(README);
    let opening = lines[..first - 1]
        .iter()
        .rev()
        .find(|(_, line, _)| is_fence(line));
    let opened = lines[..first - 1]
        .iter()
        .filter(|(_, line, _)| is_fence(line))
        .count();
    match opening {
        Some((n, line, _)) if opened % 2 == 1 => assert!(
            line.trim_end() == "```rust",
            "README.md: the example (line {first}) is in a block opened on line {n} with \
             `{line}`, not ```rust"
        ),
        _ => panic!(
            "README.md: the example starting on line {first} is not inside a fenced block \
             (no ```rust fence is open before it)"
        ),
    }
    let closing = lines.get(last).map(|(_, line, _)| *line);
    assert_eq!(
        closing,
        Some("```"),
        "README.md: the line after the example (line {}) must close its fence",
        last + 1
    );
}

#[test]
fn readme_headings_are_outside_code_blocks() {
    let (lines, _) = fence_map(README);
    let inside: Vec<String> = lines
        .iter()
        .filter(|(_, line, fenced)| line.starts_with("## ") && *fenced)
        .map(|(n, line, _)| format!("line {n}: {line}"))
        .collect();
    assert!(
        inside.is_empty(),
        "README.md: these section headings are inside a ``` block and render as code \
         (a fence above them is not closed):\n{}",
        inside.join("\n")
    );
    assert!(
        lines.iter().any(|(_, line, _)| line.starts_with("## ")),
        "README.md has no `## ` headings at all"
    );
}
