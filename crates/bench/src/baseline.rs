//! What each figure was before and what it should be: `bench/baseline.tsv`, read when
//! `bench/RESULTS.md` is written, so the table shows the earlier figure beside the new one
//! with the goal; and the set-up times, measured apart (they need a machine with nothing
//! cached) and left in `bench/fresh-machine.txt` and `bench/new-machine.txt`.
//!
//! `baseline.tsv`: one row a line, tab-separated: the item, the row's `what` exactly as the
//! bench names it, the earlier figure, where that figure comes from, the goal (`—` for
//! none). Blank lines and lines starting with `#` are skipped.
//!
//! `fresh-machine.txt`, `new-machine.txt`: a line `seconds=<N>` (from nothing to a green
//! test run), then free text lines saying how it was measured.

use std::collections::HashMap;
use std::path::Path;

use crate::report::Row;

/// The baseline file, under the repository's root.
pub const BASELINE_FILE: &str = "bench/baseline.tsv";

/// A set-up figure measured apart from `scripts/bench.sh` (it needs a machine with nothing
/// cached): the file it is left in, its row's `what`, and how it is taken.
pub struct SetupFigure {
    /// The file, under the repository's root.
    pub file: &'static str,
    /// The row's `what`.
    pub what: &'static str,
    /// How the figure is taken.
    pub command: &'static str,
}

/// The fresh-machine figure: `.ci/run` in a fresh root holding only a new machine's
/// packages (scripts/bench-fresh-machine.sh).
pub const FRESH_MACHINE: SetupFigure = SetupFigure {
    file: "bench/fresh-machine.txt",
    what: "fresh machine → green scripts/test.sh (min)",
    command: "scripts/bench-fresh-machine.sh",
};

/// The same on a real new machine (nothing under `~/.cache`, no cargo registry, no
/// Chromium): `.ci/run` on a clean clone, timed by hand, as the first step on the machine.
pub const NEW_MACHINE: SetupFigure = SetupFigure {
    file: "bench/new-machine.txt",
    what: "new machine → green .ci/run (min)",
    command: "time .ci/run (first thing on a new machine)",
};

/// Every set-up figure, in the order of their rows.
const SETUP_FIGURES: [SetupFigure; 2] = [FRESH_MACHINE, NEW_MACHINE];

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

/// The set-up rows: each from its file when it is there (its `seconds=` line in minutes,
/// its other lines as the note), "not measured" otherwise.
pub fn setup_rows(root: &Path) -> Vec<Row> {
    SETUP_FIGURES
        .iter()
        .map(|figure| {
            let text = std::fs::read_to_string(root.join(figure.file)).ok();
            setup_row_of(figure, text.as_deref())
        })
        .collect()
}

fn setup_row_of(figure: &SetupFigure, text: Option<&str>) -> Row {
    let Some(text) = text else {
        return Row::missing(
            "setup",
            figure.what,
            &format!(
                "no {}: run {} on a machine with nothing cached",
                figure.file, figure.command
            ),
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
        Some(s) => Row::ours_only("setup", figure.what, s / 60.0, &note.join("; ")),
        None => Row::missing(
            "setup",
            figure.what,
            &format!("{} has no `seconds=<N>` line", figure.file),
        ),
    }
}

/// The command that measures `row` again.
pub fn command_of(row: &Row) -> String {
    if let Some(figure) = SETUP_FIGURES.iter().find(|figure| figure.what == row.what) {
        figure.command.to_owned()
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
    fn a_setup_row_reads_its_seconds_or_says_it_was_not_measured() {
        let row = setup_row_of(
            &FRESH_MACHINE,
            Some("seconds=690\nclean container\n\nDebian 13\n"),
        );
        assert_eq!(row.ours, "11.5");
        assert_eq!(row.note, "clean container; Debian 13");
        let absent = setup_row_of(&NEW_MACHINE, None);
        assert_eq!(absent.ours, "not measured");
        assert!(absent.note.contains(NEW_MACHINE.file), "{}", absent.note);
        let broken = setup_row_of(&FRESH_MACHINE, Some("took a while"));
        assert_eq!(broken.ours, "not measured");
        assert_eq!(command_of(&row), FRESH_MACHINE.command);
        assert_eq!(command_of(&absent), NEW_MACHINE.command);
        let ssr = Row::ours_only("3", "SSR run page: p50 latency (ms)", 6.0, "");
        assert_eq!(command_of(&ssr), "scripts/bench.sh 3");
    }
}
