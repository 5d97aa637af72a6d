//! The geometry of the run's timeline: each step (and each of the coding agent's turns,
//! from its events) as a bar on one time axis, in SVG user units. Pure and deterministic:
//! the same records give the same bars on the server and in the browser (the clock is
//! never read; an open step runs to the newest time the records know).

use runs::{AgentEvent, Event, StepRecord, StepStatus};

/// The SVG's width in user units (it scales to its box).
pub const VIEW_WIDTH: f64 = 1000.0;
/// Where the bars start (the labels sit left of it).
pub const BARS_X: f64 = 220.0;
/// The bars' full width: the whole run.
pub const BARS_WIDTH: f64 = 640.0;
/// Height of the time axis above the rows.
pub const AXIS_HEIGHT: f64 = 26.0;
/// Height of a step's row.
pub const STEP_ROW: f64 = 26.0;
/// Height of an agent turn's row.
pub const TURN_ROW: f64 = 18.0;
/// The narrowest bar drawn, so an instant step still shows.
pub const MIN_BAR: f64 = 2.0;

/// What a bar stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// A step of the run.
    Step,
    /// One turn of the coding agent, inside its step.
    Turn,
}

/// How a bar's span ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still going.
    Running,
    /// Done, fine.
    Passed,
    /// Failed.
    Failed,
    /// Skipped.
    Skipped,
}

impl Outcome {
    /// The CSS and data slug: `running`, `passed`, `failed`, `skipped`.
    pub fn slug(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }

    /// A step's status as an outcome.
    pub fn of(status: StepStatus) -> Outcome {
        match status {
            StepStatus::Running => Outcome::Running,
            StepStatus::Passed => Outcome::Passed,
            StepStatus::Failed => Outcome::Failed,
            StepStatus::Skipped => Outcome::Skipped,
        }
    }
}

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// A step or a turn.
    pub kind: BarKind,
    /// The step's name, or `Pi turn N`.
    pub label: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Its start, in milliseconds after the run's first step started.
    pub start_ms: u64,
    /// Its length in milliseconds (so far, when running).
    pub duration_ms: u64,
    /// Left edge.
    pub x: f64,
    /// Top edge of its row.
    pub y: f64,
    /// Width (at least [`MIN_BAR`]).
    pub width: f64,
    /// Row height.
    pub height: f64,
}

/// A tick of the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Where it is.
    pub x: f64,
    /// What it says (`30 s`, `2 min`).
    pub label: String,
}

/// The whole chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The bars, top to bottom: steps in order, each agent step followed by its turns.
    pub bars: Vec<Bar>,
    /// The axis ticks.
    pub ticks: Vec<Tick>,
    /// The run's span in milliseconds (the axis's full width).
    pub span_ms: u64,
    /// The SVG's height in user units.
    pub height: f64,
}

/// A span before it is placed: what, when (epoch ms), how it went.
struct Span {
    kind: BarKind,
    label: String,
    outcome: Outcome,
    start: i64,
    end: i64,
}

/// The chart of `steps` and the agent turns in `events`; `None` when no step has a
/// readable start time.
pub fn layout(steps: &[StepRecord], events: &[Event]) -> Option<Timeline> {
    let newest = steps
        .iter()
        .flat_map(|s| [Some(&s.started_at), s.finished_at.as_ref()])
        .flatten()
        .chain(events.iter().map(|e| &e.time))
        .filter_map(|t| epoch_ms(t))
        .max()?;
    let mut spans = Vec::new();
    for step in steps {
        let Some(start) = epoch_ms(&step.started_at) else {
            continue;
        };
        let end = step
            .finished_at
            .as_deref()
            .and_then(epoch_ms)
            .or_else(|| step.duration_ms.map(|d| start + d as i64))
            .unwrap_or(newest)
            .max(start);
        spans.push(Span {
            kind: BarKind::Step,
            label: step.name.clone(),
            outcome: Outcome::of(step.status),
            start,
            end,
        });
        spans.extend(turns(step, start, end, events));
    }
    let origin = spans.iter().map(|s| s.start).min()?;
    let last = spans.iter().map(|s| s.end).max()?.max(newest);
    let span_ms = u64::try_from(last - origin).unwrap_or(0).max(1);
    let scale = BARS_WIDTH / span_ms as f64;
    let mut y = AXIS_HEIGHT;
    let bars = spans
        .into_iter()
        .map(|s| {
            let start_ms = (s.start - origin) as u64;
            let duration_ms = (s.end - s.start) as u64;
            let height = match s.kind {
                BarKind::Step => STEP_ROW,
                BarKind::Turn => TURN_ROW,
            };
            let bar = Bar {
                kind: s.kind,
                label: s.label,
                outcome: s.outcome,
                start_ms,
                duration_ms,
                x: BARS_X + start_ms as f64 * scale,
                y,
                width: (duration_ms as f64 * scale).max(MIN_BAR),
                height,
            };
            y += height;
            bar
        })
        .collect();
    Some(Timeline {
        bars,
        ticks: ticks(span_ms),
        span_ms,
        height: y + 4.0,
    })
}

/// The agent's turns inside `step` (its events carry the step's name as their stage):
/// each from the previous turn's end (or the agent's start) to its assistant message; a
/// turn still open while the step runs.
fn turns(step: &StepRecord, start: i64, end: i64, events: &[Event]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut from = None;
    let mut last_turn = 0;
    for event in events.iter().filter(|e| e.stage == step.name) {
        let Some((_, what)) = AgentEvent::of(event) else {
            continue;
        };
        let Some(at) = epoch_ms(&event.time) else {
            continue;
        };
        match what {
            AgentEvent::Start { .. } => from = Some(at),
            AgentEvent::AssistantMessage {
                turn, stop_reason, ..
            } => {
                let begun = from.unwrap_or(start).min(at);
                let failed = stop_reason == "error" || stop_reason == "aborted";
                spans.push(Span {
                    kind: BarKind::Turn,
                    label: format!("Pi turn {turn}"),
                    outcome: if failed {
                        Outcome::Failed
                    } else {
                        Outcome::Passed
                    },
                    start: begun,
                    end: at,
                });
                from = Some(at);
                last_turn = turn;
            }
            _ => {}
        }
    }
    if step.status == StepStatus::Running {
        if let Some(open) = from {
            spans.push(Span {
                kind: BarKind::Turn,
                label: format!("Pi turn {}", last_turn + 1),
                outcome: Outcome::Running,
                start: open,
                end: end.max(open),
            });
        }
    }
    spans
}

/// Up to about six ticks at a round step that covers `span_ms`.
fn ticks(span_ms: u64) -> Vec<Tick> {
    const STEPS_S: [u64; 14] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
    ];
    let every = STEPS_S
        .iter()
        .map(|s| s * 1000)
        .find(|step| span_ms / step <= 6)
        .unwrap_or(span_ms.div_ceil(6).max(1));
    (0..=span_ms / every)
        .map(|i| {
            let at = i * every;
            Tick {
                x: BARS_X + at as f64 * BARS_WIDTH / span_ms as f64,
                label: tick_label(at),
            }
        })
        .collect()
}

fn tick_label(ms: u64) -> String {
    let s = ms / 1000;
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else {
        format!("{} h", s / 3600)
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 time (`2026-11-25T08:00:05.123Z`, or
/// with a `±hh:mm` offset); `None` when it is not one.
pub fn epoch_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        let first3: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        millis = first3.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) => {
            let sign = if r.starts_with('-') { -1 } else { 1 };
            let h: i64 = r.get(1..3)?.parse().ok()?;
            let m: i64 = r.get(4..6)?.parse().ok()?;
            sign * (h * 60 + m)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use runs::{Agent, Level};

    fn step(name: &str, status: StepStatus, start: &str, end: Option<&str>) -> StepRecord {
        let duration_ms = end.map(|e| (epoch_ms(e).unwrap() - epoch_ms(start).unwrap()) as u64);
        StepRecord {
            name: name.into(),
            status,
            started_at: start.into(),
            finished_at: end.map(str::to_owned),
            duration_ms,
            message: None,
        }
    }

    fn agent_event(stage: &str, time: &str, what: AgentEvent) -> Event {
        Event {
            time: time.into(),
            seq: 0,
            stage: stage.into(),
            level: Level::Info,
            message: String::new(),
            data: what.to_data(Agent::Pi),
        }
    }

    fn message(turn: u32, stop_reason: &str) -> AgentEvent {
        AgentEvent::AssistantMessage {
            turn,
            stop_reason: stop_reason.into(),
            tool_calls: Vec::new(),
            text: String::new(),
            error: None,
        }
    }

    #[test]
    fn rfc3339_times_read_as_epoch_milliseconds() {
        assert_eq!(epoch_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_ms("1970-01-02T00:00:01.5Z"), Some(86_401_500));
        assert_eq!(
            epoch_ms("2026-11-25T09:00:00+01:00"),
            epoch_ms("2026-11-25T08:00:00.000Z")
        );
        assert_eq!(epoch_ms("2024-03-01T00:00:00Z"), Some(1_709_251_200_000));
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-25T08:00:00",
        ] {
            assert_eq!(epoch_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn bars_follow_the_steps_on_one_axis_proportional_to_their_durations() {
        let steps = [
            step(
                "a",
                StepStatus::Passed,
                "2026-11-25T08:00:00Z",
                Some("2026-11-25T08:00:10Z"),
            ),
            step(
                "b",
                StepStatus::Passed,
                "2026-11-25T08:00:10Z",
                Some("2026-11-25T08:00:40Z"),
            ),
            step(
                "c",
                StepStatus::Failed,
                "2026-11-25T08:00:40Z",
                Some("2026-11-25T08:01:20Z"),
            ),
        ];
        let t = layout(&steps, &[]).unwrap();
        assert_eq!(t.span_ms, 80_000);
        let labels: Vec<_> = t.bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["a", "b", "c"]);
        let (a, b, c) = (&t.bars[0], &t.bars[1], &t.bars[2]);
        assert_eq!(a.x, BARS_X);
        assert!((a.width - BARS_WIDTH / 8.0).abs() < 1e-9);
        assert!((b.width - 3.0 * a.width).abs() < 1e-9);
        assert!((c.width - 4.0 * a.width).abs() < 1e-9);
        assert!(
            (b.x - (a.x + a.width)).abs() < 1e-9,
            "b starts where a ends"
        );
        assert!((c.x + c.width - (BARS_X + BARS_WIDTH)).abs() < 1e-9);
        assert!(a.y < b.y && b.y < c.y);
        assert_eq!(c.outcome, Outcome::Failed);
        let ticks: Vec<_> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(ticks, ["0 s", "15 s", "30 s", "45 s", "60 s", "75 s"]);
    }

    #[test]
    fn the_agents_turns_sit_under_its_step_and_an_open_step_runs_to_the_newest_record() {
        let steps = [
            step(
                "setup",
                StepStatus::Passed,
                "2026-11-25T08:00:00Z",
                Some("2026-11-25T08:00:02Z"),
            ),
            step("agent", StepStatus::Running, "2026-11-25T08:00:02Z", None),
        ];
        let start = AgentEvent::Start {
            model: "m".into(),
            max_turns: 9,
            wall_clock_secs: 60,
        };
        let events = [
            agent_event("agent", "2026-11-25T08:00:03Z", start),
            agent_event("agent", "2026-11-25T08:00:06Z", message(1, "toolUse")),
            agent_event("agent", "2026-11-25T08:00:08Z", message(2, "error")),
            agent_event("other", "2026-11-25T08:00:09Z", message(7, "stop")),
            agent_event("agent", "2026-11-25T08:00:10Z", message(3, "toolUse")),
        ];
        let t = layout(&steps, &events).unwrap();
        let rows: Vec<_> = t
            .bars
            .iter()
            .map(|b| {
                (
                    b.label.as_str(),
                    b.kind,
                    b.outcome,
                    b.start_ms,
                    b.duration_ms,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("setup", BarKind::Step, Outcome::Passed, 0, 2000),
                ("agent", BarKind::Step, Outcome::Running, 2000, 8000),
                ("Pi turn 1", BarKind::Turn, Outcome::Passed, 3000, 3000),
                ("Pi turn 2", BarKind::Turn, Outcome::Failed, 6000, 2000),
                ("Pi turn 3", BarKind::Turn, Outcome::Passed, 8000, 2000),
                ("Pi turn 4", BarKind::Turn, Outcome::Running, 10_000, 0),
            ]
        );
        assert_eq!(t.span_ms, 10_000);
        assert_eq!(t.bars[5].width, MIN_BAR);
        assert_eq!(layout(&[], &events), None);
    }
}
