//! The integrated medication timeline: one inline SVG, one time axis, with
//! the PHQ-9 and GAD-7 totals at the top, a lane per medication order with
//! its daily dose as steps, the side effects noted (coloured by severity)
//! and the weekly adherence percentage. Therapy and medication in one
//! picture.
//!
//! Pure: a [`Timeline`] in, SVG markup out. Every mark carries a `<title>`;
//! the SVG is `role="img"` with a summary, and the page pairs it with
//! tables of the same numbers.

use std::fmt::Write;
use time::Date;

/// One medication order's dose steps.
#[derive(Clone, Debug)]
pub struct DoseLane {
    pub drug: String,
    /// The dose unit, e.g. "mg".
    pub unit: String,
    /// (day it takes effect, daily dose), oldest first.
    pub steps: Vec<(Date, f64)>,
    /// The first day without the drug (stopped, or a taper's end).
    pub ends: Option<Date>,
}

/// One side effect noted.
#[derive(Clone, Debug)]
pub struct EffectMark {
    pub on: Date,
    pub label: String,
    /// `mild`, `moderate` or `severe`.
    pub severity: String,
}

/// One PHQ-9 or GAD-7 total.
#[derive(Clone, Debug)]
pub struct ScoreMark {
    pub on: Date,
    /// `phq9` or `gad7`.
    pub instrument: String,
    pub total: i32,
}

/// Everything the timeline shows.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub lanes: Vec<DoseLane>,
    pub effects: Vec<EffectMark>,
    /// (week ending, percent taken).
    pub adherence: Vec<(Date, u32)>,
    pub scores: Vec<ScoreMark>,
    /// Today, which the axis reaches.
    pub today: Option<Date>,
}

pub const WIDTH: f64 = 760.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 745.0;
const SCORE_H: f64 = 110.0;
const LANE_H: f64 = 44.0;
const EFFECT_H: f64 = 30.0;
const ADHERENCE_H: f64 = 60.0;
const AXIS_H: f64 = 24.0;
/// The highest total of the two instruments drawn (PHQ-9 0–27; GAD-7 0–21).
const SCORE_MAX: f64 = 27.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn qty(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn instrument_name(id: &str) -> &str {
    match id {
        "phq9" => "PHQ-9",
        "gad7" => "GAD-7",
        other => other,
    }
}

impl Timeline {
    fn days(&self) -> impl Iterator<Item = Date> + '_ {
        self.lanes
            .iter()
            .flat_map(|l| l.steps.iter().map(|s| s.0).chain(l.ends))
            .chain(self.effects.iter().map(|e| e.on))
            .chain(self.adherence.iter().map(|a| a.0))
            .chain(self.scores.iter().map(|s| s.on))
    }

    /// The first and last day drawn; `None` when there is nothing to draw.
    pub fn span(&self) -> Option<(Date, Date)> {
        let first = self.days().min()?;
        let last = self.days().chain(self.today).max()?;
        Some((first, last.max(first + time::Duration::days(7))))
    }

    /// The sentence a screen reader hears in place of the picture.
    pub fn summary(&self) -> String {
        let Some((first, last)) = self.span() else {
            return "Medication timeline: nothing recorded yet.".into();
        };
        let drugs: Vec<&str> = self.lanes.iter().map(|l| l.drug.as_str()).collect();
        let orders = match drugs.len() {
            0 => "no medication orders".to_string(),
            n => format!("{} ({})", count(n, "medication order"), drugs.join(", ")),
        };
        format!(
            "Medication timeline from {first} to {last}: {orders}; {}; {} noted; {} of adherence. The tables below give every value.",
            count(self.scores.len(), "PHQ-9 or GAD-7 score"),
            count(self.effects.len(), "side effect"),
            count(self.adherence.len(), "week"),
        )
    }
}

/// The timeline as SVG, or `None` when nothing is recorded.
pub fn svg(t: &Timeline) -> Option<String> {
    let (first, last) = t.span()?;
    let span = (last - first).whole_days().max(1) as f64;
    let x = |d: Date| LEFT + (d - first).whole_days() as f64 / span * (RIGHT - LEFT);
    let height = SCORE_H + LANE_H * t.lanes.len() as f64 + EFFECT_H + ADHERENCE_H + AXIS_H;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\">",
        esc(&t.summary())
    );
    let mut top = 0.0;

    // Scores: one line per instrument on a shared 0–27 scale.
    let sy = |v: f64| top + 8.0 + (1.0 - v / SCORE_MAX) * (SCORE_H - 20.0);
    let _ = write!(
        s,
        "<g class=\"tl-scores\"><text class=\"tl-label\" x=\"8\" y=\"{:.1}\">PHQ-9 / GAD-7</text>",
        sy(SCORE_MAX / 2.0)
    );
    let _ = write!(
        s,
        "<line class=\"tl-grid\" x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{RIGHT}\" y2=\"{0:.1}\"/><text class=\"tick\" x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">0</text><text class=\"tick\" x=\"{1:.1}\" y=\"{3:.1}\" text-anchor=\"end\">27</text>",
        sy(0.0),
        LEFT - 4.0,
        sy(0.0) + 4.0,
        sy(SCORE_MAX) + 4.0
    );
    for inst in ["phq9", "gad7"] {
        let pts: Vec<&ScoreMark> = t.scores.iter().filter(|m| m.instrument == inst).collect();
        if pts.is_empty() {
            continue;
        }
        let path: Vec<String> = pts
            .iter()
            .map(|m| format!("{:.1},{:.1}", x(m.on), sy(f64::from(m.total))))
            .collect();
        let _ = write!(
            s,
            "<polyline class=\"tl-score {inst}\" points=\"{}\"/>",
            path.join(" ")
        );
        for m in pts {
            let _ = write!(
                s,
                "<circle class=\"tl-score-point {inst}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>{} {}: {}</title></circle>",
                x(m.on),
                sy(f64::from(m.total)),
                instrument_name(inst),
                m.on,
                m.total
            );
        }
    }
    s.push_str("</g>");
    top += SCORE_H;

    // A lane per order: the daily dose as steps, scaled to the lane's own
    // highest dose (orders of different drugs have no common scale).
    for lane in &t.lanes {
        let max = lane.steps.iter().map(|p| p.1).fold(0.0, f64::max);
        let ly = |v: f64| {
            if max > 0.0 {
                top + 6.0 + (1.0 - v / max) * (LANE_H - 14.0)
            } else {
                top + LANE_H - 8.0
            }
        };
        let _ = write!(
            s,
            "<g class=\"tl-lane\"><text class=\"tl-label\" x=\"8\" y=\"{0:.1}\">{1} ({2}/day)</text><line class=\"tl-grid\" x1=\"{LEFT}\" y1=\"{3:.1}\" x2=\"{RIGHT}\" y2=\"{3:.1}\"/>",
            top + LANE_H / 2.0,
            esc(&lane.drug),
            esc(&lane.unit),
            ly(0.0)
        );
        let mut path = String::new();
        for (i, (d, v)) in lane.steps.iter().enumerate() {
            if i == 0 {
                let _ = write!(path, "M{:.1},{:.1}", x(*d), ly(*v));
            } else {
                let _ = write!(path, " H{:.1} V{:.1}", x(*d), ly(*v));
            }
        }
        if !path.is_empty() {
            let end = lane.ends.unwrap_or(last);
            let _ = write!(path, " H{:.1}", x(end.max(first)));
            if lane.ends.is_some() {
                let _ = write!(path, " V{:.1}", ly(0.0));
            }
            let _ = write!(s, "<path class=\"tl-dose\" d=\"{path}\"/>");
        }
        for (d, v) in &lane.steps {
            let _ = write!(
                s,
                "<circle class=\"tl-dose-point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{} from {d}: {} {} a day</title></circle>",
                x(*d),
                ly(*v),
                esc(&lane.drug),
                qty(*v),
                esc(&lane.unit)
            );
        }
        s.push_str("</g>");
        top += LANE_H;
    }

    // Side effects: a marker per effect, coloured by severity.
    let _ = write!(
        s,
        "<g class=\"tl-effects\"><text class=\"tl-label\" x=\"8\" y=\"{:.1}\">Side effects</text>",
        top + EFFECT_H / 2.0 + 4.0
    );
    for e in &t.effects {
        let _ = write!(
            s,
            "<rect class=\"tl-effect {}\" x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" transform=\"rotate(45 {:.1} {:.1})\"><title>{}: {} ({})</title></rect>",
            esc(&e.severity),
            x(e.on) - 4.0,
            top + EFFECT_H / 2.0 - 4.0,
            x(e.on),
            top + EFFECT_H / 2.0,
            e.on,
            esc(&e.label),
            esc(&e.severity)
        );
    }
    s.push_str("</g>");
    top += EFFECT_H;

    // Adherence: a bar per week, 0–100%.
    let ay = |p: f64| top + 6.0 + (1.0 - p / 100.0) * (ADHERENCE_H - 14.0);
    let _ = write!(
        s,
        "<g class=\"tl-adherence\"><text class=\"tl-label\" x=\"8\" y=\"{:.1}\">Adherence</text><line class=\"tl-grid\" x1=\"{LEFT}\" y1=\"{1:.1}\" x2=\"{RIGHT}\" y2=\"{1:.1}\"/><text class=\"tick\" x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"end\">100%</text>",
        top + ADHERENCE_H / 2.0,
        ay(0.0),
        LEFT - 4.0,
        ay(100.0) + 4.0
    );
    for (d, p) in &t.adherence {
        let _ = write!(
            s,
            "<rect class=\"tl-adherence-bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"{:.1}\"><title>Week ending {d}: {p}% of doses taken</title></rect>",
            x(*d) - 3.0,
            ay(f64::from(*p)),
            ay(0.0) - ay(f64::from(*p))
        );
    }
    s.push_str("</g>");
    top += ADHERENCE_H;

    // The one time axis.
    let _ = write!(
        s,
        "<g class=\"tl-axis\"><line class=\"axis\" x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{RIGHT}\" y2=\"{0:.1}\"/><text class=\"tick\" x=\"{LEFT}\" y=\"{1:.1}\">{first}</text><text class=\"tick\" x=\"{RIGHT}\" y=\"{1:.1}\" text-anchor=\"end\">{last}</text>",
        top + 2.0,
        top + 16.0
    );
    if let Some(today) = t.today.filter(|d| (first..=last).contains(d)) {
        let _ = write!(
            s,
            "<line class=\"today\" x1=\"{0:.1}\" y1=\"0\" x2=\"{0:.1}\" y2=\"{1:.1}\"/>",
            x(today),
            top + 2.0
        );
    }
    s.push_str("</g></svg>");
    Some(s)
}

/// "1 side effect", "3 side effects".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use time::macros::date;

    fn sample() -> Timeline {
        Timeline {
            lanes: vec![DoseLane {
                drug: "sertraline".into(),
                unit: "mg".into(),
                steps: vec![
                    (date!(2026 - 09 - 01), 50.0),
                    (date!(2026 - 09 - 29), 100.0),
                ],
                ends: None,
            }],
            effects: vec![EffectMark {
                on: date!(2026 - 09 - 10),
                label: "Nausea".into(),
                severity: "moderate".into(),
            }],
            adherence: vec![(date!(2026 - 09 - 14), 86)],
            scores: vec![
                ScoreMark {
                    on: date!(2026 - 09 - 01),
                    instrument: "phq9".into(),
                    total: 18,
                },
                ScoreMark {
                    on: date!(2026 - 10 - 27),
                    instrument: "phq9".into(),
                    total: 9,
                },
                ScoreMark {
                    on: date!(2026 - 09 - 01),
                    instrument: "gad7".into(),
                    total: 12,
                },
            ],
            today: Some(date!(2026 - 11 - 22)),
        }
    }

    #[test]
    fn one_axis_carries_doses_scores_effects_and_adherence() {
        let s = svg(&sample()).unwrap();
        assert!(s.starts_with("<svg class=\"timeline\""));
        assert!(s.contains("role=\"img\""));
        assert!(s.contains("aria-label=\"Medication timeline from 2026-09-01 to 2026-11-22"));
        // The titration is a step up, drawn as a horizontal then vertical move.
        assert!(s.contains("class=\"tl-dose\" d=\"M150.0,"));
        assert!(s.contains(" H"));
        assert!(s.contains("sertraline from 2026-09-29: 100 mg a day"));
        assert!(s.contains("PHQ-9 2026-10-27: 9"));
        assert!(s.contains("GAD-7 2026-09-01: 12"));
        assert!(s.contains("tl-effect moderate"));
        assert!(s.contains("Week ending 2026-09-14: 86% of doses taken"));
        // The axis runs from the first record to today.
        assert!(s.contains(">2026-09-01</text>"));
        assert!(s.contains(">2026-11-22</text>"));
    }

    #[test]
    fn a_lower_score_is_drawn_lower() {
        let s = svg(&sample()).unwrap();
        let cy = |needle: &str| -> f64 {
            let i = s.find(needle).unwrap();
            let before = &s[..i];
            let c = before.rfind("cy=\"").unwrap();
            before[c + 4..].split('"').next().unwrap().parse().unwrap()
        };
        // SVG y grows downwards.
        assert!(cy("PHQ-9 2026-10-27: 9") > cy("PHQ-9 2026-09-01: 18"));
    }

    #[test]
    fn the_summary_counts_in_words() {
        let mut t = sample();
        let many = t.summary();
        assert!(
            many.contains(&format!("{} PHQ-9 or GAD-7 scores", t.scores.len())),
            "{many}"
        );
        t.effects.truncate(1);
        t.adherence.truncate(1);
        t.lanes.truncate(1);
        let one = t.summary();
        assert!(one.contains("1 side effect noted"), "{one}");
        assert!(one.contains("1 week of adherence"), "{one}");
        assert!(
            one.contains(&format!("1 medication order ({})", t.lanes[0].drug)),
            "{one}"
        );
    }

    #[test]
    fn names_are_escaped_and_nothing_draws_nothing() {
        let mut t = sample();
        t.lanes[0].drug = "a<b>&\"c".into();
        let s = svg(&t).unwrap();
        assert!(s.contains("a&lt;b&gt;&amp;&quot;c"));
        assert!(!s.contains("a<b>"));
        assert!(svg(&Timeline::default()).is_none());
        assert_eq!(
            Timeline::default().summary(),
            "Medication timeline: nothing recorded yet."
        );
    }
}
