//! Turning run files into safe HTML: markdown through pulldown-cmark then ammonia (raw HTML
//! in the markdown is shown as text, and the result is sanitized anyway), and code as an
//! escaped `<pre><code class="language-…">` block. Code is not colored on the server: the
//! highlighting crates (syntect, tree-sitter grammars) cost minutes of compile time on a
//! 2-core machine for a cosmetic gain; the language class lets a stylesheet or a small
//! client-side highlighter do it.

use pulldown_cmark::{html, Event, Options, Parser};

/// Markdown as sanitized HTML: no script, no event handlers, no raw HTML.
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
    html::push_html(&mut out, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
}

/// Source code as an escaped block with its language as a class.
pub fn code(text: &str, language: &str) -> String {
    format!(
        "<pre class=\"code\"><code class=\"language-{}\">{}</code></pre>",
        escape(language),
        escape(text)
    )
}

/// The language of a file by its extension, when it is code.
pub fn code_language(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "py" => "python",
        "rs" => "rust",
        "js" | "mjs" => "javascript",
        "ts" => "typescript",
        "toml" => "toml",
        "yaml" | "yml" => "yaml",
        "sh" => "bash",
        "html" | "htm" => "html",
        "css" => "css",
        "cfg" | "ini" => "ini",
        "dockerfile" => "dockerfile",
        _ => return None,
    })
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
    fn code_is_escaped_and_labelled() {
        let html = code("if a < b and c > d: print(\"&\")", "python");
        assert_eq!(
            html,
            "<pre class=\"code\"><code class=\"language-python\">if a &lt; b and c &gt; d: print(&quot;&amp;&quot;)</code></pre>"
        );
        assert_eq!(code_language("generated/app.py"), Some("python"));
        assert_eq!(code_language("report.md"), None);
    }
}
