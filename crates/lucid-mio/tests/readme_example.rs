//! The README's "own event loop" example is a verbatim copy of a compiled example, so it
//! cannot rot.

#[test]
fn readme_embeds_the_own_event_loop_example_verbatim() {
    let readme = include_str!("../../../README.md");
    let example = include_str!("../examples/own_event_loop.rs");
    let block = format!("```rust\n{example}```");
    assert!(
        readme.contains(&block),
        "README.md's event-loop example differs from crates/lucid-mio/examples/own_event_loop.rs; \
         copy the file into the README again"
    );
}
