//! The files of the apps the worker deploys, generated from templates.

pub mod model_app;
pub mod template_app;

/// One generated file: its path in the Space repo and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path inside the Space repository, e.g. `app.py`.
    pub path: String,
    /// The file's content.
    pub content: String,
}

/// A Space README's front matter, as the Hub's Space configuration reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceCard {
    /// The Space's title.
    pub title: String,
    /// The emoji shown on its card.
    pub emoji: String,
    /// At most 60 characters (the Hub refuses longer ones).
    pub short_description: String,
    /// The body under the front matter.
    pub body: String,
}

/// The longest `short_description` the Hub accepts.
pub const SHORT_DESCRIPTION_MAX: usize = 60;

impl SpaceCard {
    /// The README.md of a Gradio Space with this card.
    pub fn to_readme(&self) -> GeneratedFile {
        let short: String = self
            .short_description
            .chars()
            .take(SHORT_DESCRIPTION_MAX)
            .collect();
        let content = format!(
            "---\ntitle: {title}\nemoji: {emoji}\ncolorFrom: yellow\ncolorTo: indigo\nsdk: gradio\napp_file: app.py\npinned: false\nshort_description: {short}\n---\n\n{body}\n",
            title = yaml_scalar(&self.title),
            emoji = self.emoji,
            short = yaml_scalar(&short),
            body = self.body.trim_end(),
        );
        GeneratedFile {
            path: "README.md".into(),
            content,
        }
    }
}

/// The environment variable naming a folder whose files replace (or add to) a generated
/// app's files before upload: a way to deploy a hand-made app through the same pipeline.
pub const APP_OVERRIDE_ENV: &str = "SPACE_FACTORY_APP_DIR";

/// Replaces or adds the regular files at the top of `dir` in `files`; returns the paths it
/// changed. Non-UTF-8 files are refused (Space apps are text here).
pub fn apply_override(
    files: &mut Vec<GeneratedFile>,
    dir: &std::path::Path,
) -> Result<Vec<String>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut changed = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !path.is_file() {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{} has no UTF-8 name", path.display()))?
            .to_owned();
        let content = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match files.iter_mut().find(|f| f.path == name) {
            Some(file) => file.content = content,
            None => files.push(GeneratedFile {
                path: name.clone(),
                content,
            }),
        }
        changed.push(name);
    }
    changed.sort();
    Ok(changed)
}

/// A YAML scalar that reads back as exactly `text` (quoted when it needs to be).
fn yaml_scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | ','))
        && !text.starts_with([' ', '-'])
        && !text.ends_with(' ');
    if plain {
        text.to_owned()
    } else {
        serde_json::to_string(text).expect("strings serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_folder_replaces_and_adds_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.py"), "print('mine')").unwrap();
        std::fs::write(dir.path().join("extra.txt"), "x").unwrap();
        let mut files = template_app::files("demo");
        let changed = apply_override(&mut files, dir.path()).unwrap();
        assert_eq!(changed, ["app.py", "extra.txt"]);
        assert_eq!(files[0].content, "print('mine')");
        assert_eq!(files.len(), 4);
    }

    #[test]
    fn readme_front_matter_is_gradio_and_safe_to_parse() {
        let card = SpaceCard {
            title: "Shout: it's loud".into(),
            emoji: "📣".into(),
            short_description: "x".repeat(80),
            body: "Hello.".into(),
        };
        let readme = card.to_readme();
        assert_eq!(readme.path, "README.md");
        assert!(readme.content.starts_with("---\n"));
        assert!(readme.content.contains("sdk: gradio\n"));
        assert!(readme.content.contains("title: \"Shout: it's loud\"\n"));
        let short_line = readme
            .content
            .lines()
            .find(|l| l.starts_with("short_description: "))
            .unwrap();
        assert_eq!(short_line.len(), "short_description: ".len() + 60);
        assert!(readme.content.ends_with("Hello.\n"));
    }
}
