//! Renders docs/errors.md into the HTML page the API serves at `GET /docs/errors`, so that every
//! error's `doc_url` leads to a page that exists, on the deployment's own origin. Each `##`
//! heading (an error code) gets its code as its id: `doc_url` is `.../docs/errors#<code>`.

use std::path::Path;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

fn main() {
    let source = "docs/errors.md";
    println!("cargo::rerun-if-changed={source}");
    let markdown = std::fs::read_to_string(source).expect("docs/errors.md");
    let mut events: Vec<Event> = Parser::new_ext(&markdown, Options::empty()).collect();
    // A heading's id is its text: `## payment_failed` becomes <h2 id="payment_failed">.
    for at in 0..events.len() {
        if let Event::Start(Tag::Heading { .. }) = &events[at] {
            let mut text = String::new();
            for event in &events[at + 1..] {
                match event {
                    Event::End(TagEnd::Heading(_)) => break,
                    Event::Text(t) | Event::Code(t) => text.push_str(t),
                    _ => {}
                }
            }
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[at] {
                *id = Some(CowStr::from(text.trim().replace(' ', "-").to_lowercase()));
            }
        }
    }
    let mut body = String::new();
    html::push_html(&mut body, events.into_iter());
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Errors</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n\
         </body>\n</html>\n"
    );
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out).join("errors.html"), page).expect("write errors.html");
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1a1a1a;\
line-height:1.5}main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}\
h2{font-size:1.15rem;margin-top:2rem;font-family:ui-monospace,monospace}\
h2:target{background:#fff3c4}code,pre{font-family:ui-monospace,monospace;font-size:.92em}\
pre{background:#fff;padding:.75rem;border-radius:.4rem;overflow-x:auto}";
