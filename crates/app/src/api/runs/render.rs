//! Turning run files into safe HTML: markdown through pulldown-cmark then ammonia (raw HTML
//! in the markdown is shown as text, and the result is sanitized anyway), and code as an
//! escaped `<pre><code class="language-…">` block whose tokens are wrapped in
//! `<span class="tok tok-KIND">` by synoptic's rules (regex-based, pure Rust: a few seconds
//! of compile where syntect or tree-sitter grammars cost minutes on a 2-core machine).

use pulldown_cmark::{html, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Markdown as sanitized HTML: no script, no event handlers, no raw HTML, and no images.
///
/// A report may come from a stranger's bucket, and an image is fetched as soon as the page
/// opens, unasked: a tracker learns who looked, and `![](/logout)` would make the viewer's
/// browser call the factory itself. So each image becomes a plain link (its alt text, or
/// its address when it has none) that does nothing until clicked.
pub fn markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(text, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, images_as_links(events));
    ammonia::Builder::default()
        .rm_tags(["img"])
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
}

/// Turns every image into a link to its address, labelled with its alt text (or the
/// address when the alt text is empty).
fn images_as_links<'a>(events: impl Iterator<Item = Event<'a>>) -> impl Iterator<Item = Event<'a>> {
    let mut open: Vec<(CowStr<'a>, bool)> = Vec::new();
    events.flat_map(move |event| -> Vec<Event<'a>> {
        match event {
            Event::Start(Tag::Image {
                dest_url,
                title,
                id,
                ..
            }) => {
                open.push((dest_url.clone(), false));
                vec![Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url,
                    title,
                    id,
                })]
            }
            Event::End(TagEnd::Image) => match open.pop() {
                Some((dest, false)) => vec![Event::Text(dest), Event::End(TagEnd::Link)],
                _ => vec![Event::End(TagEnd::Link)],
            },
            other => {
                if let Some((_, labelled)) = open.last_mut() {
                    *labelled = true;
                }
                vec![other]
            }
        }
    })
}

/// Source code as an escaped, highlighted block with its language as a class.
pub fn code(text: &str, language: &str) -> String {
    format!(
        "<pre class=\"code\"><code class=\"language-{}\">{}</code></pre>",
        escape(language),
        highlight(text, language)
    )
}

/// Files larger than this are shown escaped but not highlighted (the rules are regexes run
/// over every line, and a page should not wait on a megabyte of JSON).
const MAX_HIGHLIGHTED_BYTES: usize = 256 * 1024;

/// `text` as escaped HTML with each token synoptic recognises in a `tok-KIND` span.
fn highlight(text: &str, language: &str) -> String {
    let rules = synoptic_extension(language).and_then(|ext| synoptic::from_extension(ext, 4));
    let Some(mut rules) = rules.filter(|_| text.len() <= MAX_HIGHLIGHTED_BYTES) else {
        return escape(text);
    };
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    rules.run(&lines);
    let mut out = String::with_capacity(text.len() * 2);
    for (y, line) in lines.iter().enumerate() {
        if y > 0 {
            out.push('\n');
        }
        for token in rules.line(y, line) {
            match token {
                synoptic::TokOpt::Some(text, kind) => {
                    let kind: String = kind
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    out.push_str(&format!(
                        "<span class=\"tok tok-{kind}\">{}</span>",
                        escape(&text)
                    ));
                }
                synoptic::TokOpt::None(text) => out.push_str(&escape(&text)),
            }
        }
    }
    out
}

/// Every code language the artifact view knows, in one place for naming files and for
/// highlighting them: its name (the `language-…` class), the file extensions that mark it,
/// and the extension synoptic's rules for it go by (`None`: escaped, not highlighted).
/// JSON files are recognised before code, by the artifact view, and only highlighted here.
const LANGUAGES: &[(&str, &[&str], Option<&str>)] = &[
    ("python", &["py"], Some("py")),
    ("rust", &["rs"], Some("rs")),
    ("javascript", &["js", "mjs"], Some("js")),
    ("typescript", &["ts"], Some("ts")),
    ("json", &[], Some("json")),
    ("toml", &["toml"], Some("toml")),
    ("yaml", &["yaml", "yml"], Some("yaml")),
    ("bash", &["sh"], Some("sh")),
    ("html", &["html", "htm"], Some("html")),
    ("css", &["css"], Some("css")),
    ("ini", &["cfg", "ini"], None),
    ("dockerfile", &["dockerfile"], None),
];

/// The extension synoptic knows a language by.
fn synoptic_extension(language: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(name, ..)| *name == language)?.2
}

/// The language of a file by its extension, when it is code.
pub fn code_language(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(_, extensions, _)| extensions.contains(&ext.as_str()))
        .map(|(name, ..)| *name)
}

/// HTML text escaping (`& < > " '`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_formatting_and_drops_scripts_and_raw_html() {
        let html = markdown(
            "# Report\n\n**ok** [docs](https://example.org)\n\n<script>alert(1)</script>\n\n\
             <img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1>Report</h1>"), "{html}");
        assert!(html.contains("<strong>ok</strong>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            html.contains("&lt;script&gt;"),
            "raw HTML is shown as text: {html}"
        );
    }

    #[test]
    fn images_never_load_and_become_plain_links() {
        let html = markdown(
            "![](https://tracker.example/p.png)\n\n![pixel](/logout)\n\n\
             ![data](data:image/png;base64,AAAA)\n\n[![badge](https://img.example/b.svg)](https://huggingface.co)\n",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("<a href=\"https://tracker.example/p.png\" rel=\"noopener noreferrer nofollow\">https://tracker.example/p.png</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/logout\" rel=\"noopener noreferrer nofollow\">pixel</a>"),
            "{html}"
        );
        assert!(!html.contains("data:image"), "{html}");
        assert!(html.contains("badge"), "{html}");
    }

    #[test]
    fn links_are_only_web_or_mail_addresses() {
        let html = markdown(
            "[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) [d](ftp://x.example/) [e](https://ok.example/) [f](/runs)",
        );
        for bad in ["javascript:", "vbscript:", "data:", "ftp:"] {
            assert!(!html.contains(bad), "{bad} kept: {html}");
        }
        assert!(html.contains("href=\"https://ok.example/\""), "{html}");
        assert!(html.contains("href=\"/runs\""), "{html}");
    }

    #[test]
    fn code_is_escaped_labelled_and_highlighted() {
        let html = code(
            "# check\nif a < b and c > d: print(\"&\")\n\nx = 1",
            "python",
        );
        assert!(
            html.starts_with("<pre class=\"code\"><code class=\"language-python\">"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok tok-comment\"># check</span>\n"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok tok-keyword\">if</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok tok-string\">&quot;&amp;&quot;</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok tok-operator\">&lt;</span>"),
            "{html}"
        );
        assert!(html.ends_with("\n\nx <span class=\"tok tok-operator\">=</span> <span class=\"tok tok-digit\">1</span></code></pre>"), "{html}");
        // The text is all there: only tags were added around it.
        let text: String = strip_tags(&html);
        assert_eq!(
            text,
            "# check\nif a &lt; b and c &gt; d: print(&quot;&amp;&quot;)\n\nx = 1"
        );
        assert_eq!(code_language("generated/app.py"), Some("python"));
        assert_eq!(code_language("report.md"), None);
    }

    #[test]
    fn markup_in_code_stays_text_whatever_the_rules_see() {
        let html = code("<script>alert('x')</script>", "html");
        assert!(!html.contains("<script"), "{html}");
        let html = code("{\"a\": \"<img src=x onerror=alert(1)>\"}", "json");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn large_files_are_escaped_without_highlighting() {
        let big = "x = 1\n".repeat(MAX_HIGHLIGHTED_BYTES / 6 + 1);
        let html = code(&big, "python");
        assert!(!html.contains("<span"));
        assert!(html.contains("x = 1\n"));
    }

    fn strip_tags(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }
}
