//! Filling the worker's text templates (the generated apps' Python, Pi's task prompts):
//! files next to the code that fills them, read with `include_str!`, whose `{{name}}`
//! placeholders are replaced by named values. One rule for all of them, so a template
//! reads as the text it makes.

/// `template` with every `{{name}}` replaced by its value in `values`, in one pass (a
/// value is never read as a template itself).
///
/// Panics when a placeholder has no value or a value names no placeholder: the template
/// and the code that fills it disagree, which every template's unit test catches.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut used = vec![false; values.len()];
    let mut rest = template;
    while let Some((before, name, after)) = next_placeholder(rest) {
        let Some(index) = values.iter().position(|(n, _)| *n == name) else {
            panic!("the template's placeholder {{{{{name}}}}} was left unfilled");
        };
        used[index] = true;
        out.push_str(before);
        out.push_str(values[index].1);
        rest = after;
    }
    out.push_str(rest);
    if let Some(index) = used.iter().position(|u| !u) {
        panic!(
            "the template has no placeholder {{{{{}}}}}",
            values[index].0
        );
    }
    out
}

/// The text before the first `{{name}}` in `text`, the name, and the text after it.
fn next_placeholder(text: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|i| from + i) {
        let after = &text[start + 2..];
        if let Some(end) = after.find("}}") {
            let name = &after[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Some((&text[..start], name, &after[end + 2..]));
            }
        }
        from = start + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_by_name() {
        assert_eq!(
            fill(
                "{{a}} and {{b}}, {{a}} again",
                &[("a", "x"), ("b", "{{a}}")]
            ),
            "x and {{a}}, x again"
        );
    }

    #[test]
    #[should_panic(expected = "{{b}} was left unfilled")]
    fn a_placeholder_left_unfilled_fails_loudly() {
        fill("{{a}} and {{b}}", &[("a", "x")]);
    }

    #[test]
    #[should_panic(expected = "has no placeholder {{c}}")]
    fn a_value_for_no_placeholder_fails_loudly() {
        fill("{{a}}", &[("a", "x"), ("c", "y")]);
    }
}
