//! The care plan in the patient's words: what the team wrote for itself,
//! turned into short sentences a patient on a bad day can read (about a
//! 6th–8th grade level; a test holds the fixed wording to that). The
//! clinician's own free text (problems, goals in words, shared decisions)
//! is shown as written.

use crate::care_plan::{
    Comparator, Format, Frequency, GoalStatus, Modality, PlanBody, Setting, Target,
};
use crate::ids::UserId;
use crate::instrument::Library;
use time::Date;

/// One heading and its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlainSection {
    pub heading: String,
    pub lines: Vec<String>,
}

/// Facts about the version the summary is made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFacts {
    pub version: u32,
    pub signed: Option<(String, Date)>,
    pub agreed_on: Option<Date>,
    pub next_review: Option<Date>,
}

/// A date the way people write it: "March 1, 2027".
pub fn long_date(d: Date) -> String {
    format!("{} {}, {}", d.month(), d.day(), d.year())
}

/// What an instrument checks, in plain words.
fn topic(instrument: &str) -> Option<&'static str> {
    Some(match instrument {
        "phq9" | "phq2" => "mood",
        "gad7" | "gad2" => "worry",
        "pcl5" => "stress after trauma",
        "audit" | "auditc" => "drinking",
        "dast10" => "drug use",
        "epds" => "mood after having a baby",
        "cssrs" => "safety",
        "asrs" => "attention",
        "mdq" => "mood swings",
        "cows" | "ciwa-ar" => "withdrawal",
        _ => return None,
    })
}

fn instrument_words(lib: &Library, id: &str) -> String {
    let name = lib.get(id).map_or(id, |i| i.name.as_str());
    match topic(id) {
        Some(t) => format!("the {name} ({t} check-in)"),
        None => format!("the {name}"),
    }
}

fn modality_words(m: Modality) -> (&'static str, &'static str) {
    match m {
        Modality::Cbt => (
            "CBT",
            "You learn to change thoughts and habits that keep you stuck.",
        ),
        Modality::Dbt => (
            "DBT",
            "You learn skills to handle strong feelings and stay safe.",
        ),
        Modality::Mi => (
            "Motivational talks",
            "You talk about what you want to change, and why it matters to you.",
        ),
        Modality::Emdr => ("EMDR", "It helps hard memories feel less strong."),
        Modality::Ipt => (
            "IPT",
            "You work on your relationships and big life changes.",
        ),
        Modality::Eft => (
            "EFT",
            "You learn to understand your feelings and use them well.",
        ),
        Modality::Erp => (
            "ERP",
            "You face fears step by step, without doing the rituals.",
        ),
        Modality::TraumaInformed => (
            "Trauma therapy",
            "It goes at a pace that feels safe for you.",
        ),
        Modality::Family => (
            "Family therapy",
            "People close to you join, so you can work on things together.",
        ),
        Modality::Group => (
            "Group therapy",
            "You meet with others who work on the same things.",
        ),
    }
}

fn how_often(f: Frequency) -> &'static str {
    match f {
        Frequency::TwiceWeekly => "twice a week",
        Frequency::Weekly => "every week",
        Frequency::EveryTwoWeeks => "every 2 weeks",
        Frequency::Monthly => "once a month",
    }
}

fn with_whom(f: Format) -> &'static str {
    match f {
        Format::Individual => "just you and your therapist",
        Format::Group => "in a group",
        Format::Family => "with your family",
    }
}

fn where_(s: Setting) -> &'static str {
    match s {
        Setting::InPerson => "in person",
        Setting::Telehealth => "by video",
    }
}

fn every(weeks: u8) -> String {
    if weeks == 1 {
        "every week".into()
    } else {
        format!("every {weeks} weeks")
    }
}

fn target_words(c: Comparator, value: i32) -> String {
    match c {
        Comparator::Below => format!("below {value}"),
        Comparator::AtMost => format!("to {value} or less"),
        Comparator::AtLeast => format!("to {value} or more"),
        Comparator::Above => format!("above {value}"),
    }
}

/// The plan in plain words, section by section.
pub fn summary(
    body: &PlanBody,
    lib: &Library,
    facts: &PlanFacts,
    name_of: &dyn Fn(UserId) -> String,
) -> Vec<PlainSection> {
    let mut out = Vec::new();

    let mut about = vec![format!("This is version {} of your plan.", facts.version)];
    match &facts.signed {
        Some((who, on)) => about.push(format!("{who} signed it on {}.", long_date(*on))),
        None => about.push("It is a draft. Your team has not signed it yet.".into()),
    }
    match facts.agreed_on {
        Some(d) => about.push(format!("You agreed to it on {}.", long_date(d))),
        None => about.push("Tell us if you agree with it, or what you would change.".into()),
    }
    out.push(PlainSection {
        heading: "About this plan".into(),
        lines: about,
    });

    out.push(PlainSection {
        heading: "What we are working on".into(),
        lines: body
            .problems
            .iter()
            .map(|p| p.text.trim().to_string())
            .collect(),
    });

    let goals: Vec<String> = body
        .goals
        .iter()
        .filter(|g| g.status != GoalStatus::Cancelled)
        .map(|g| {
            let line = match &g.target {
                Target::Measurable {
                    instrument,
                    comparator,
                    value,
                    due,
                } => format!(
                    "Bring your score on {} {} by {}.",
                    instrument_words(lib, instrument),
                    target_words(*comparator, *value),
                    long_date(*due)
                ),
                Target::Smart { text, due: Some(d) } => {
                    format!("{} By {}.", end_sentence(text), long_date(*d))
                }
                Target::Smart { text, due: None } => end_sentence(text),
            };
            if g.status == GoalStatus::Achieved {
                format!("Done! {line}")
            } else {
                line
            }
        })
        .collect();
    if !goals.is_empty() {
        out.push(PlainSection {
            heading: "Your goals".into(),
            lines: goals,
        });
    }

    let mut treatment: Vec<String> = body
        .therapy
        .iter()
        .map(|t| {
            let (name, what) = modality_words(t.modality);
            let who = t
                .clinician
                .map(|c| format!(" with {}", name_of(c)))
                .unwrap_or_default();
            format!(
                "{name}{who}, {}, {}, {}. {what}",
                with_whom(t.format),
                where_(t.setting),
                how_often(t.frequency)
            )
        })
        .collect();
    if let Some(m) = &body.medication {
        let who = name_of(m.prescriber);
        treatment.push(match m.evaluation_on {
            Some(d) => format!(
                "Medicine: you will meet {who} on {} to talk about medicine.",
                long_date(d)
            ),
            None => format!("Medicine: {who} looks after your medicine."),
        });
    }
    if !treatment.is_empty() {
        out.push(PlainSection {
            heading: "Your treatment".into(),
            lines: treatment,
        });
    }

    if !body.schedule.is_empty() {
        out.push(PlainSection {
            heading: "Check-ins".into(),
            lines: body
                .schedule
                .iter()
                .map(|s| {
                    format!(
                        "{}, you fill in {}. It takes a few minutes.",
                        capitalise(&every(s.every_weeks)),
                        instrument_words(lib, &s.instrument)
                    )
                })
                .collect(),
        });
    }

    let mut review = vec![format!(
        "Your team looks at this plan {}, and sooner if things are not getting better.",
        every(body.review_every_weeks)
    )];
    if let Some(d) = facts.next_review {
        review.push(format!("Next look: {}.", long_date(d)));
    }
    out.push(PlainSection {
        heading: "When we look at the plan again".into(),
        lines: review,
    });

    if !body.shared_decisions.trim().is_empty() {
        out.push(PlainSection {
            heading: "What we decided together".into(),
            lines: body
                .shared_decisions
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        });
    }
    out
}

fn end_sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
