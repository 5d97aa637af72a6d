//! Repository ids (`owner/name`), checked before anything is sent to the Hub.
//!
//! The rules follow `huggingface_hub`'s `validate_repo_id`: each part is 1–96 characters of
//! ASCII letters, digits, `-`, `_`, `.`; it neither starts nor ends with `-` or `.`, and
//! contains no `--` or `..`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest name the Hub accepts for one part of a repo id.
pub const MAX_PART_LEN: usize = 96;

/// A validated `owner/name` repository id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RepoId {
    owner: String,
    name: String,
}

/// Why a string is not a repository id; the message is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoIdError {
    /// No `/`, or more than one.
    #[error("`{0}` is not of the form owner/name")]
    Shape(String),
    /// One part breaks the character rules.
    #[error("`{part}` in `{id}` is not a valid {what}: {why}")]
    Part {
        /// The whole id as given.
        id: String,
        /// The offending part.
        part: String,
        /// "owner" or "name".
        what: &'static str,
        /// The rule it breaks.
        why: &'static str,
    },
}

impl RepoId {
    /// Builds an id from its two parts, validating both.
    pub fn new(owner: &str, name: &str) -> Result<RepoId, RepoIdError> {
        let id = format!("{owner}/{name}");
        check_part(&id, owner, "owner")?;
        check_part(&id, name, "name")?;
        Ok(RepoId {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The namespace: a user or an organization.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's own name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Checks one part of an id (a namespace or a repo name) against the Hub's rules.
pub fn check_part(id: &str, part: &str, what: &'static str) -> Result<(), RepoIdError> {
    let fail = |why| RepoIdError::Part {
        id: id.to_owned(),
        part: part.to_owned(),
        what,
        why,
    };
    if part.is_empty() {
        return Err(fail("it is empty"));
    }
    if part.len() > MAX_PART_LEN {
        return Err(fail("it is longer than 96 characters"));
    }
    if !part
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(fail("only letters, digits, '-', '_' and '.' are allowed"));
    }
    if part.starts_with(['-', '.']) || part.ends_with(['-', '.']) {
        return Err(fail("it may not start or end with '-' or '.'"));
    }
    if part.contains("--") || part.contains("..") {
        return Err(fail("'--' and '..' are not allowed"));
    }
    Ok(())
}

impl FromStr for RepoId {
    type Err = RepoIdError;

    fn from_str(s: &str) -> Result<RepoId, RepoIdError> {
        match s.split_once('/') {
            Some((owner, name)) if !name.contains('/') => RepoId::new(owner, name),
            _ => Err(RepoIdError::Shape(s.to_owned())),
        }
    }
}

impl TryFrom<String> for RepoId {
    type Error = RepoIdError;

    fn try_from(value: String) -> Result<RepoId, RepoIdError> {
        value.parse()
    }
}

impl From<RepoId> for String {
    fn from(id: RepoId) -> String {
        id.to_string()
    }
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_ids() {
        for ok in [
            "alice/my-space",
            "Org_1/model.v2",
            "a/b",
            "gpt2-user/x_y-z.1",
        ] {
            let id: RepoId = ok.parse().unwrap();
            assert_eq!(id.to_string(), ok);
        }
    }

    #[test]
    fn rejects_bad_ids_with_a_reason() {
        for bad in [
            "",
            "noslash",
            "a/b/c",
            "/name",
            "owner/",
            "own er/name",
            "owner/na$me",
            "-owner/name",
            "owner/name.",
            "owner/a--b",
            "owner/a..b",
            "owner/é",
        ] {
            let err = bad.parse::<RepoId>().unwrap_err();
            assert!(!err.to_string().is_empty(), "{bad}");
        }
        let long = format!("o/{}", "n".repeat(97));
        assert!(long.parse::<RepoId>().is_err());
        let max = format!("o/{}", "n".repeat(96));
        assert!(max.parse::<RepoId>().is_ok());
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        let id: RepoId = serde_json::from_str("\"alice/space\"").unwrap();
        assert_eq!(id.owner(), "alice");
        assert_eq!(id.name(), "space");
        assert!(serde_json::from_str::<RepoId>("\"alice/../x\"").is_err());
    }
}
