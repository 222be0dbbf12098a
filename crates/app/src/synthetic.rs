//! Synthetic people and courses of scores for the demo clinic, `tandem
//! seed` and the benchmarks. Everything is drawn from a [`SeededEntropy`],
//! so the same seed gives the same clinic; every name and number is made up.
//!
//! A [`Plan`] is one patient's course of treatment read on the PHQ-9 (the
//! GAD-7 follows it at three quarters of the height, with its own noise):
//! remission, response, a late response, no improvement, or worsening. The
//! shapes are chosen so the treat-to-target rules of
//! `content/measurement/trajectory.toml` read them as named: a
//! non-improving course stays at 10 or above and within a few points of its
//! baseline, a worsening one ends at least 5 points above it.

use crate::{SeedPatient, Source, Submission};
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::UserId;
use tandem_core::instrument::Answers;
use tandem_core::patient::{Address, AdministrativeGender, Demographics, SexAtBirth};
use time::{Date, Duration, OffsetDateTime};

/// How a patient's scores go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Course {
    /// Down below 5 within a few months.
    Remission,
    /// Down by half or more, staying at 5 or above.
    Response,
    /// No change for 10 to 16 weeks ("Not improving" from week 8), then a
    /// response.
    LateResponse,
    /// Within 3 points of baseline and at 10 or above throughout.
    NotImproving,
    /// Steady, then up by 7 to 9 points over the last weeks.
    Worsening,
}

/// One patient's measured course.
#[derive(Clone, Debug)]
pub struct Plan {
    pub course: Course,
    /// PHQ-9 total at the first measure.
    pub baseline: i32,
    /// Measures planned, one every `every` weeks.
    pub measures: i64,
    pub every: i64,
    /// Weeks of measures missed at the end: over 4 makes the patient overdue.
    pub stopped_weeks: i64,
    /// PHQ-9 item 9 positive on the first two measures (then "Not at all").
    pub early_item9: bool,
    /// PHQ-9 item 9 positive on the latest measure.
    pub recent_item9: bool,
    /// Weeks: the time constant of a fall, the plateau before a late
    /// response, or the length of a rise.
    pub pace: i64,
    /// The level a fall ends at, or the height of a rise.
    pub target: i32,
}

impl Plan {
    /// A course of `course` from `baseline`; pace and target drawn from `rng`.
    pub fn new(
        course: Course,
        baseline: i32,
        measures: i64,
        every: i64,
        rng: &SeededEntropy,
    ) -> Plan {
        let (pace, target) = match course {
            Course::Remission => (4 + draw(rng, 6), 2 + draw(rng, 2) as i32),
            Course::Response => (4 + draw(rng, 5), ((baseline * 2 + 4) / 5).max(6)),
            Course::LateResponse => (10 + draw(rng, 7), ((baseline * 9 + 19) / 20).max(6)),
            Course::NotImproving => (10, 0),
            Course::Worsening => (6 + draw(rng, 5), 7 + draw(rng, 3) as i32),
        };
        Plan {
            course,
            baseline,
            measures,
            every,
            stopped_weeks: 0,
            early_item9: false,
            recent_item9: false,
            pace,
            target,
        }
    }

    /// The mix `tandem seed` uses: a quarter each remit and respond, an
    /// eighth respond late, three in ten do not improve, one in twelve
    /// worsens; one in eight stops coming (overdue), one in fifty has a
    /// positive item 9 on the latest PHQ-9, and a fifth of the severe start
    /// with one.
    pub fn draw(rng: &SeededEntropy, measures: i64, every: i64) -> Plan {
        let course = match draw(rng, 100) {
            0..=24 => Course::Remission,
            25..=49 => Course::Response,
            50..=61 => Course::LateResponse,
            62..=91 => Course::NotImproving,
            _ => Course::Worsening,
        };
        let baseline = match course {
            Course::NotImproving => 14 + draw(rng, 9),
            Course::Worsening => 8 + draw(rng, 5),
            _ => 12 + draw(rng, 12),
        } as i32;
        let mut p = Plan::new(course, baseline, measures, every, rng);
        if draw(rng, 100) < 12 {
            p.stopped_weeks = 5 + draw(rng, 8);
        }
        p.early_item9 = baseline >= 18 && draw(rng, 5) == 0;
        p.recent_item9 = draw(rng, 50) == 0;
        p
    }

    /// The PHQ-9 level without noise, `week` weeks after baseline.
    pub fn level(&self, week: i64) -> f64 {
        let b = f64::from(self.baseline);
        let t = f64::from(self.target);
        let w = week as f64;
        let decay = |from: f64, to: f64, after: f64, tau: f64| {
            to + (from - to) * (-(after.max(0.0)) / tau).exp()
        };
        match self.course {
            Course::Remission | Course::Response => decay(b, t, w, self.pace as f64),
            Course::LateResponse => {
                if week < self.pace {
                    b - 1.0
                } else {
                    decay(b - 1.0, t, w - self.pace as f64, 3.0)
                }
            }
            Course::NotImproving => b - 2.0 * (1.0 - (-w / self.pace as f64).exp()),
            Course::Worsening => {
                let span = ((self.measures - 1) * self.every) as f64;
                let from = span - self.pace as f64;
                b + t * ((w - from) / self.pace as f64).clamp(0.0, 1.0)
            }
        }
    }

    /// The PHQ-9 and GAD-7 pairs of the plan, the last planned one within
    /// `every` weeks before `now` (or `stopped_weeks` earlier), each at a
    /// time of day between 08:00 and 17:00 and never after `now`.
    pub fn history(&self, now: OffsetDateTime, rng: &SeededEntropy) -> Vec<Submission> {
        let span = (self.measures - 1).max(0) * self.every;
        let jitter = draw(rng, (self.every * 7).max(1));
        let first: Date = now.date() - Duration::days(jitter) - Duration::weeks(span);
        let gad_baseline = ((self.baseline * 3 + 2) / 4 + draw(rng, 5) as i32 - 2).clamp(6, 21);
        // At least the baseline, however early the patient stopped.
        let taken = ((span - self.stopped_weeks) / self.every + 1).max(1);
        let mut out = Vec::with_capacity(2 * taken.max(0) as usize);
        for k in 0..taken.max(0) {
            let week = k * self.every;
            let day = first + Duration::weeks(week);
            let minute = 8 * 60 + draw(rng, 9 * 60);
            let at = (day.midnight().assume_utc() + Duration::minutes(minute))
                .min(now - Duration::minutes(10));
            let level = self.level(week);
            let (phq, gad) = if k == 0 {
                (self.baseline, gad_baseline)
            } else {
                let ratio = level / f64::from(self.baseline.max(1));
                (
                    (level.round() as i32 + noise(rng)).clamp(0, 27),
                    ((f64::from(gad_baseline) * ratio).round() as i32 + noise(rng)).clamp(0, 21),
                )
            };
            let item9 = if (self.early_item9 && k < 2) || (self.recent_item9 && k == taken - 1) {
                1 + draw(rng, 2) as u8
            } else {
                0
            };
            out.push(Submission {
                instrument: "phq9".into(),
                answers: phq9(phq.max(i32::from(item9)) as u8, item9, rng),
                authored: at,
                source: Source::Seed,
            });
            out.push(Submission {
                instrument: "gad7".into(),
                answers: spread(&ITEMS[..7], 3, gad as u8, rng),
                authored: at + Duration::minutes(3),
                source: Source::Seed,
            });
        }
        out
    }
}

const ITEMS: [&str; 20] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17",
    "18", "19", "20",
];

/// Answers to items numbered 1 to `n`, each coded 0 to `max`, adding up to `total`.
pub fn items(n: usize, max: u8, total: u8, rng: &SeededEntropy) -> Answers {
    spread(&ITEMS[..n.min(ITEMS.len())], max, total, rng)
}

/// PHQ-9 answers adding up to `total`, item 9 at `item9`.
pub fn phq9(total: u8, item9: u8, rng: &SeededEntropy) -> Answers {
    let mut a = spread(&ITEMS[..8], 3, total.saturating_sub(item9), rng);
    a.insert("9".into(), item9.to_string());
    a
}

/// Answers to `ids`, each coded 0 to `max`, adding up to `total` (or as
/// near as the items allow), points placed at random.
pub fn spread(ids: &[&str], max: u8, total: u8, rng: &SeededEntropy) -> Answers {
    let mut v = vec![0u8; ids.len()];
    let total = usize::from(total).min(ids.len() * usize::from(max));
    for _ in 0..total {
        let open: Vec<usize> = (0..v.len()).filter(|&i| v[i] < max).collect();
        let i = open[draw(rng, open.len() as i64) as usize];
        v[i] += 1;
    }
    ids.iter()
        .zip(v)
        .map(|(id, a)| ((*id).to_string(), a.to_string()))
        .collect()
}

fn draw(rng: &SeededEntropy, n: i64) -> i64 {
    rng.below(n.max(1) as usize) as i64
}

/// -2 to 2.
fn noise(rng: &SeededEntropy) -> i32 {
    draw(rng, 5) as i32 - 2
}

/// Made-up family names; the demo clinic uses the first 30.
pub const FAMILY: [&str; 40] = [
    "Rivera",
    "Okafor",
    "Nguyen",
    "Johnson",
    "Garcia",
    "Kowalski",
    "Haddad",
    "Williams",
    "Chen",
    "Martinez",
    "O'Brien",
    "Patel",
    "Brown",
    "Yamamoto",
    "Davis",
    "Hernandez",
    "Mensah",
    "Lopez",
    "Smith",
    "Kim",
    "Walker",
    "Rossi",
    "Ahmed",
    "Thompson",
    "Silva",
    "Nakamura",
    "Jackson",
    "Fischer",
    "Ramirez",
    "Begay",
    "Novak",
    "Osei",
    "Dubois",
    "Ivanova",
    "Khan",
    "Moreau",
    "Tanaka",
    "Quispe",
    "Larsen",
    "Abebe",
];
/// Given names; the demo clinic uses the first 20 of each list.
pub const GIVEN_F: [&str; 24] = [
    "Ana", "Grace", "Mei", "Fatima", "Olivia", "Keisha", "Lucía", "Hannah", "Priya", "Sofia",
    "Aaliyah", "Emily", "Nguyet", "Chloe", "Zainab", "Rachel", "Maria", "Leah", "Imani", "Ruth",
    "Ingrid", "Yuki", "Beatriz", "Amara",
];
pub const GIVEN_M: [&str; 24] = [
    "James", "Mateo", "Daniel", "Kwame", "Ethan", "Omar", "Luis", "Wei", "Noah", "Tyrone",
    "Samuel", "Diego", "Minh", "Elijah", "Arjun", "Marcus", "David", "Hiroshi", "Caleb", "Jamal",
    "Kofi", "Pablo", "Ravi", "Lars",
];

/// A made-up adult, 18 to 75 years old; phone numbers in the fictional
/// 555-01xx range.
pub fn person(rng: &SeededEntropy, today: Date) -> Demographics {
    let female = draw(rng, 2) == 0;
    let given = if female {
        GIVEN_F[draw(rng, GIVEN_F.len() as i64) as usize]
    } else {
        GIVEN_M[draw(rng, GIVEN_M.len() as i64) as usize]
    };
    let family = FAMILY[draw(rng, FAMILY.len() as i64) as usize];
    Demographics {
        family_name: family.into(),
        given_names: given.into(),
        preferred_name: None,
        birth_date: today - Duration::days(18 * 366 + draw(rng, 57 * 365)),
        sex_at_birth: if female {
            SexAtBirth::Female
        } else {
            SexAtBirth::Male
        },
        gender: if female {
            AdministrativeGender::Female
        } else {
            AdministrativeGender::Male
        },
        gender_identity: None,
        pronouns: None,
        preferred_language: Some("en".into()),
        phone: Some(format!("555-01{:02}", draw(rng, 100))),
        address: Address::default(),
        emergency_contact: None,
    }
}

/// A patient of `tandem seed`: a person, a drawn [`Plan`] of `measures`
/// weekly PHQ-9 and GAD-7 pairs ending by `now`, and the care team.
pub fn patient(
    rng: &SeededEntropy,
    now: OffsetDateTime,
    measures: i64,
    team: Vec<UserId>,
) -> SeedPatient {
    let demographics = person(rng, now.date());
    let plan = Plan::draw(rng, measures, 1);
    SeedPatient {
        demographics,
        team,
        history: plan.history(now, rng),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn answers_add_up() {
        let rng = SeededEntropy::new(1);
        for total in 0..=25u8 {
            let a = phq9(total, 1.min(total), &rng);
            let sum: u32 = a.values().map(|v| v.parse::<u32>().unwrap_or(99)).sum();
            assert_eq!(sum, u32::from(total));
            assert_eq!(a.len(), 9);
        }
        let a = items(20, 4, 200, &rng);
        assert!(a.values().all(|v| v == "4"), "capped at the maximum: {a:?}");
    }

    #[test]
    fn histories_end_by_now_in_time_order() {
        let rng = SeededEntropy::new(2);
        let now = datetime!(2026-11-22 09:00 UTC);
        for _ in 0..200 {
            let p = Plan::draw(&rng, 52, 1);
            let h = p.history(now, &rng);
            assert!(h.iter().all(|s| s.authored <= now));
            assert!(h.windows(2).all(|w| w[0].authored <= w[1].authored));
            let expected = if p.stopped_weeks == 0 {
                104
            } else {
                2 * (52 - p.stopped_weeks)
            };
            assert_eq!(h.len() as i64, expected);
        }
    }
}
