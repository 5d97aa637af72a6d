//! What each figure was before and what it should be: `bench/baseline.tsv`, read when
//! `bench/RESULTS.md` is written, so the table shows the earlier figure beside the new one
//! with the goal; and the fresh-machine set-up time, measured apart (it needs a machine with
//! nothing cached) and left in `bench/fresh-machine.txt`.
//!
//! `baseline.tsv`: one row a line, tab-separated: the item, the row's `what` exactly as the
//! bench names it, the earlier figure, where that figure comes from, the goal (`—` for
//! none). Blank lines and lines starting with `#` are skipped.
//!
//! `fresh-machine.txt`: a line `seconds=<N>` (fresh machine → green `scripts/test.sh`),
//! then free text lines saying how it was measured.

use std::collections::HashMap;
use std::path::Path;

use crate::report::Row;

/// The baseline file, under the repository's root.
pub const BASELINE_FILE: &str = "bench/baseline.tsv";

/// The fresh-machine figure's file, under the repository's root.
pub const FRESH_MACHINE_FILE: &str = "bench/fresh-machine.txt";

/// The fresh-machine row's `what`.
pub const FRESH_MACHINE_WHAT: &str = "fresh machine → green scripts/test.sh (min)";

/// How the fresh-machine figure is taken.
pub const FRESH_MACHINE_COMMAND: &str = "scripts/bench-fresh-machine.sh";

/// One row's earlier figure and goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// The figure before, formatted as the row's own.
    pub earlier: String,
    /// Where the earlier figure comes from (an issue, a commit's results).
    pub from: String,
    /// What the figure should be.
    pub goal: String,
}

/// Every row's baseline, by item and `what`.
#[derive(Debug, Default)]
pub struct Baselines(HashMap<(String, String), Baseline>);

impl Baselines {
    /// Parses the text of a baseline file; a malformed line is an error naming it.
    pub fn parse(text: &str) -> Result<Baselines, String> {
        let mut rows = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [item, what, earlier, from, goal] = fields[..] else {
                return Err(format!(
                    "{BASELINE_FILE} line {}: 5 tab-separated fields expected, got {}",
                    n + 1,
                    fields.len()
                ));
            };
            rows.insert(
                (item.to_owned(), what.to_owned()),
                Baseline {
                    earlier: earlier.to_owned(),
                    from: from.to_owned(),
                    goal: goal.to_owned(),
                },
            );
        }
        Ok(Baselines(rows))
    }

    /// The baselines of the repository at `root` (none when the file is missing).
    pub fn read(root: &Path) -> Result<Baselines, String> {
        match std::fs::read_to_string(root.join(BASELINE_FILE)) {
            Ok(text) => Baselines::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Baselines::default()),
            Err(e) => Err(format!("{BASELINE_FILE}: {e}")),
        }
    }

    /// The baseline of `row`, if the file has one.
    pub fn of(&self, row: &Row) -> Option<&Baseline> {
        self.0.get(&(row.item.to_owned(), row.what.clone()))
    }
}

/// The fresh-machine row: from `fresh-machine.txt` when it is there (its `seconds=` line
/// in minutes, its other lines as the note), "not measured" otherwise.
pub fn fresh_machine_row(root: &Path) -> Row {
    let text = std::fs::read_to_string(root.join(FRESH_MACHINE_FILE)).ok();
    fresh_machine_row_of(text.as_deref())
}

fn fresh_machine_row_of(text: Option<&str>) -> Row {
    let Some(text) = text else {
        return Row::missing(
            "setup",
            FRESH_MACHINE_WHAT,
            &format!("no {FRESH_MACHINE_FILE}: run {FRESH_MACHINE_COMMAND} on a machine with nothing cached"),
        );
    };
    let seconds = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("seconds="))
        .and_then(|s| s.trim().parse::<f64>().ok());
    let note: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("seconds="))
        .collect();
    match seconds {
        Some(s) => Row::ours_only("setup", FRESH_MACHINE_WHAT, s / 60.0, &note.join("; ")),
        None => Row::missing(
            "setup",
            FRESH_MACHINE_WHAT,
            &format!("{FRESH_MACHINE_FILE} has no `seconds=<N>` line"),
        ),
    }
}

/// The command that measures `row` again.
pub fn command_of(row: &Row) -> String {
    if row.what == FRESH_MACHINE_WHAT {
        FRESH_MACHINE_COMMAND.to_owned()
    } else {
        format!("scripts/bench.sh {}", row.item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_finds_its_earlier_figure_and_goal_by_item_and_name() {
        let text = "# item\twhat\tearlier\tfrom\tgoal\n\n\
                    3\tSSR run page: p50 latency (ms)\t34\tissue 16\t≤ 8\n\
                    5\twasm bundle, gzip -9 (KiB)\t488\tissue 16\t—\n";
        let baselines = Baselines::parse(text).unwrap();
        let row = Row::ours_only("3", "SSR run page: p50 latency (ms)", 6.0, "");
        let found = baselines.of(&row).unwrap();
        assert_eq!((found.earlier.as_str(), found.goal.as_str()), ("34", "≤ 8"));
        assert_eq!(found.from, "issue 16");
        let other = Row::ours_only("4", "SSR run page: p50 latency (ms)", 6.0, "");
        assert!(
            baselines.of(&other).is_none(),
            "the item is part of the key"
        );
        assert!(Baselines::parse("3\tonly two").is_err());
    }

    #[test]
    fn the_fresh_machine_row_reads_its_seconds_or_says_it_was_not_measured() {
        let row = fresh_machine_row_of(Some("seconds=690\nclean container\n\nDebian 13\n"));
        assert_eq!(row.ours, "11.5");
        assert_eq!(row.note, "clean container; Debian 13");
        let absent = fresh_machine_row_of(None);
        assert_eq!(absent.ours, "not measured");
        let broken = fresh_machine_row_of(Some("took a while"));
        assert_eq!(broken.ours, "not measured");
        assert_eq!(command_of(&row), FRESH_MACHINE_COMMAND);
        let ssr = Row::ours_only("3", "SSR run page: p50 latency (ms)", 6.0, "");
        assert_eq!(command_of(&ssr), "scripts/bench.sh 3");
    }
}
