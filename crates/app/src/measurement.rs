//! Measurement-based care: recording a completed questionnaire, and what
//! follows from it in the same transaction — score observations, the
//! instrument's trajectory, the registry row, flags raised or cleared, and
//! notifications of safety flags to the care team.

use crate::{App, AppError, Caller, Forbidden, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tandem_core::access::PatientAction;
use tandem_core::flag::{self, Cadence, FlagKind, Hit, MeasureState};
use tandem_core::ids::{
    AcknowledgementId, EpisodeId, FlagId, NotificationId, ObservationId, PatientId, ResponseId,
};
use tandem_core::instrument::{Answers, Context, Instrument, ResponseError, Scored, score};
use tandem_core::measure;
use tandem_core::patient::Patient;
use tandem_core::trajectory::{Point, Status, trajectory};
use tandem_store::episodes::{self, Episode};
use tandem_store::flags::{self, Flag};
use tandem_store::measures::{self, MeasureStatus, Observation, Response};
use tandem_store::registry::{self, PatientStatus, Tracked};
use tandem_store::{Tx, audit, care_team};
use time::{Date, Duration, OffsetDateTime};

/// How a response reached Tandem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Entered in the chart.
    Chart,
    /// Posted as a FHIR `QuestionnaireResponse`.
    Fhir,
    /// Generated demo or benchmark data.
    Seed,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Chart => "chart",
            Source::Fhir => "fhir",
            Source::Seed => "seed",
        }
    }
}

/// One completed questionnaire to record.
#[derive(Clone, Debug)]
pub struct Submission {
    pub instrument: String,
    pub answers: Answers,
    /// When the patient answered: the measurement time, so histories can be
    /// back-loaded.
    pub authored: OffsetDateTime,
    pub source: Source,
}

/// What recording a response did.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub response: Response,
    pub scored: Scored,
    pub observations: Vec<Observation>,
    pub measure: MeasureStatus,
    pub raised: Vec<FlagKind>,
    pub cleared: Vec<FlagKind>,
}

/// What the latest measures ask of a patient's active flags.
#[derive(Clone, Debug, Default)]
pub(crate) struct FlagPlan {
    /// Indices into the active flags: conditions that ended.
    pub clear: Vec<usize>,
    /// Indices into the active flags, with their new reasons.
    pub reword: Vec<(usize, String)>,
    /// Kinds to raise, with their reasons.
    pub raise: Vec<(FlagKind, String)>,
}

impl FlagPlan {
    /// The kinds active once the plan is carried out.
    pub fn kinds_after(&self, active: &[Flag]) -> Vec<FlagKind> {
        active
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.clear.contains(i))
            .map(|(_, f)| f.kind)
            .chain(self.raise.iter().map(|(k, _)| *k))
            .collect()
    }
}

/// A flag raised by a response, as stored in `responses.hits`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredHit {
    flag: String,
    source: String,
}

fn hits_json(hits: &[Hit]) -> String {
    let v: Vec<StoredHit> = hits
        .iter()
        .map(|h| StoredHit {
            flag: h.flag.clone(),
            source: h.source.clone(),
        })
        .collect();
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn parse_hits(json: &str) -> Vec<Hit> {
    serde_json::from_str::<Vec<StoredHit>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|h| Hit {
            flag: h.flag,
            source: h.source,
        })
        .collect()
}

/// The answers of a stored response.
pub fn parse_answers(json: &str) -> Answers {
    serde_json::from_str(json).unwrap_or_default()
}

impl App {
    /// The treat-to-target cadence.
    pub fn cadence(&self) -> Cadence {
        Cadence {
            overdue_after_weeks: self.trajectory.defaults.overdue_after_weeks,
        }
    }

    /// Scores answers without storing them (the chart's live total, `tandem score`).
    pub fn score_answers(
        &self,
        inst: &Instrument,
        answers: &Answers,
        sex: tandem_core::patient::SexAtBirth,
    ) -> std::result::Result<Scored, Vec<ResponseError>> {
        let ctx = Context {
            band_model: self.settings.band_models.get(&inst.id).map(String::as_str),
            sex,
        };
        score(inst, answers, ctx)
    }

    /// Records one completed questionnaire for a patient, with everything
    /// that follows from it, as one transaction.
    pub async fn record_response(
        &self,
        caller: &Caller,
        patient: PatientId,
        sub: Submission,
    ) -> Result<Recorded> {
        let inst = self
            .instruments
            .get(&sub.instrument)
            .ok_or_else(|| {
                AppError::invalid(
                    "questionnaire",
                    format!("there is no questionnaire {:?}", sub.instrument),
                )
            })?
            .clone();
        let now = self.now();
        if sub.authored > now + Duration::minutes(5) {
            return Err(AppError::invalid(
                "authored",
                "the time answered is in the future",
            ));
        }
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, "measure.record")
            .await?;
        let scored = self
            .score_answers(&inst, &sub.answers, p.demographics.sex_at_birth)
            .map_err(AppError::Response)?;
        let recorded = self
            .store_response(
                &mut tx,
                &p,
                &inst,
                &sub,
                scored,
                Some(caller.actor.user_id),
                now,
            )
            .await?;
        let mut rec = self.patient_record(caller, "measure.record", patient, purpose);
        rec.resource = Some(format!("QuestionnaireResponse/{}", recorded.response.id));
        let mut detail = format!(
            "{} {}",
            inst.id,
            recorded
                .response
                .total
                .map_or("no total".to_string(), |t| format!("total {t}"))
        );
        if !recorded.raised.is_empty() {
            detail.push_str(&format!("; raised {}", names(&recorded.raised)));
        }
        if !recorded.cleared.is_empty() {
            detail.push_str(&format!("; cleared {}", names(&recorded.cleared)));
        }
        rec.detail = Some(detail);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// The part of recording shared by every way in: store, derive, flag.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_response(
        &self,
        tx: &mut Tx,
        p: &Patient,
        inst: &Instrument,
        sub: &Submission,
        scored: Scored,
        by: Option<tandem_core::ids::UserId>,
        now: OffsetDateTime,
    ) -> Result<Recorded> {
        let org = self.org;
        // Two responses for one patient at once would each read the other's
        // history without its own, and could both start an episode or raise
        // the same flag.
        tandem_store::patients::lock(tx, org, p.id).await?;
        let on = sub.authored.date();
        let episode = match episodes::open(tx, org, p.id).await? {
            Some(e) => {
                if on < e.started_on {
                    episodes::move_start(tx, org, e.id, on).await?;
                }
                Episode {
                    started_on: e.started_on.min(on),
                    ..e
                }
            }
            None => {
                let id = EpisodeId::generate(self.clock(), self.entropy());
                episodes::start(tx, org, id, p.id, on, now).await?
            }
        };
        let (response, observations) =
            self.response_rows(p.id, episode.id, inst, sub, &scored, by, now)?;
        measures::insert_response(tx, org, &response).await?;
        for o in &observations {
            measures::insert_observation(tx, org, o).await?;
        }
        let all = measures::in_episode(tx, org, episode.id, Some(&inst.id)).await?;
        let measure = self.measure_of(p.id, &episode, inst, &all)?;
        measures::upsert_measure(tx, org, &measure).await?;
        let (raised, cleared) = self
            .refresh_flags(tx, p.id, &episode, sub.authored, now)
            .await?;
        Ok(Recorded {
            response,
            scored,
            observations,
            measure,
            raised,
            cleared,
        })
    }

    /// The response row and its score observations, as stored.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn response_rows(
        &self,
        patient: PatientId,
        episode: EpisodeId,
        inst: &Instrument,
        sub: &Submission,
        scored: &Scored,
        by: Option<tandem_core::ids::UserId>,
        now: OffsetDateTime,
    ) -> Result<(Response, Vec<Observation>)> {
        let hits = measure::hits(scored);
        let response = Response {
            id: ResponseId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            episode_id: episode,
            instrument: inst.id.clone(),
            authored: sub.authored,
            answers: serde_json::to_string(&sub.answers)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            total: scored.total,
            severity: scored
                .band
                .as_ref()
                .map(|b| b.severity.as_str().to_string()),
            interpretation: measure::interpretation(scored),
            band_model: scored.band.as_ref().map(|b| b.model.clone()),
            hits: hits_json(&hits),
            source: sub.source.as_str().into(),
            recorded_by: by,
            recorded_at: now,
        };
        let observations = measure::drafts(inst, scored)
            .into_iter()
            .map(|d| Observation {
                id: ObservationId::generate(self.clock(), self.entropy()),
                patient_id: patient,
                response_id: response.id,
                instrument: inst.id.clone(),
                system: d.code.system,
                code: d.code.code,
                display: d.code.display,
                value: d.value,
                effective: sub.authored,
                interpretation: d.interpretation,
                subscale: d.subscale,
            })
            .collect();
        Ok((response, observations))
    }

    /// Where the patient stands on one instrument in the episode, read from
    /// all its responses there (any order).
    pub(crate) fn measure_of(
        &self,
        patient: PatientId,
        episode: &Episode,
        inst: &Instrument,
        all: &[Response],
    ) -> Result<MeasureStatus> {
        let latest = all
            .iter()
            .max_by_key(|r| (r.authored, r.id))
            .ok_or_else(|| AppError::Internal("a response vanished".into()))?;
        let first = all
            .iter()
            .min_by_key(|r| (r.authored, r.id))
            .unwrap_or(latest);
        let points: Vec<Point> = all
            .iter()
            .filter_map(|r| {
                r.total.map(|score| Point {
                    on: r.authored.date(),
                    score,
                })
            })
            .collect();
        let rules = &self.trajectory;
        let traj = trajectory(&inst.id, &points, rules, self.clock().today());
        // Statuses (and so the treat-to-target flags) only for instruments
        // the rules give a target: "not improving" means nothing for a
        // withdrawal scale.
        let targeted = rules.instruments.contains_key(&inst.id);
        Ok(MeasureStatus {
            patient_id: patient,
            instrument: inst.id.clone(),
            episode_id: episode.id,
            responses: all.len() as i64,
            baseline_score: traj.as_ref().map(|t| t.baseline.score),
            baseline_on: traj
                .as_ref()
                .map_or(first.authored.date(), |t| t.baseline.on),
            latest_score: latest.total,
            latest_on: latest.authored.date(),
            latest_response_id: latest.id,
            latest_severity: latest.severity.clone(),
            latest_interpretation: latest.interpretation.clone(),
            change: traj.as_ref().map(|t| t.change),
            percent_change: traj.as_ref().and_then(|t| t.percent_change),
            weeks: traj.as_ref().map_or(0, |t| t.weeks),
            status: traj
                .as_ref()
                .filter(|_| targeted)
                .map(|t| t.status.label().to_string()),
            hits: latest.hits.clone(),
        })
    }

    /// What the latest measures ask of the active flags: which to end,
    /// which to reword, which kinds to raise.
    pub(crate) fn flag_plan(
        &self,
        ms: &[&MeasureStatus],
        episode_start: Date,
        active: &[Flag],
    ) -> FlagPlan {
        let last = ms
            .iter()
            .map(|m| m.latest_on)
            .max()
            .unwrap_or(episode_start);
        self.flag_plan_due(ms, &flag::clinic_due(last, self.cadence()), active)
    }

    /// As [`App::flag_plan`], with "Overdue" decided by `due` (the care
    /// plan's schedule where there is one).
    pub(crate) fn flag_plan_due(
        &self,
        ms: &[&MeasureStatus],
        due: &flag::Due,
        active: &[Flag],
    ) -> FlagPlan {
        let names: Vec<String> = ms
            .iter()
            .map(|m| {
                self.instruments
                    .get(&m.instrument)
                    .map_or(m.instrument.clone(), |i| i.name.clone())
            })
            .collect();
        let hits: Vec<Vec<Hit>> = ms.iter().map(|m| parse_hits(&m.hits)).collect();
        let states: Vec<MeasureState<'_>> = ms
            .iter()
            .enumerate()
            .map(|(i, m)| MeasureState {
                name: &names[i],
                hits: &hits[i],
                status: m.status.as_deref().and_then(Status::from_label),
                latest_on: m.latest_on,
            })
            .collect();
        let wanted = flag::wanted_by(&states, due, self.clock().today());
        let mut plan = FlagPlan::default();
        for (i, f) in active.iter().enumerate() {
            if !f.kind.decided_by_measures() {
                continue;
            }
            match wanted.get(&f.kind) {
                None => plan.clear.push(i),
                Some(reason) if *reason != f.reason => plan.reword.push((i, reason.clone())),
                Some(_) => {}
            }
        }
        for (kind, reason) in wanted {
            // The calendar raises "Overdue" (see `sweep_overdue`); a new
            // measure only ever clears it. Back-loading an old history must
            // not raise and clear it once per response.
            if kind == FlagKind::Overdue || active.iter().any(|f| f.kind == kind) {
                continue;
            }
            plan.raise.push((kind, reason));
        }
        plan
    }

    /// Brings the patient's flags and registry row in line with the latest
    /// measures. Returns the kinds raised and cleared.
    async fn refresh_flags(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        episode: &Episode,
        at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(Vec<FlagKind>, Vec<FlagKind>)> {
        let org = self.org;
        let today = self.clock().today();
        let ms = measures::measures_for(tx, org, patient, episode.id).await?;
        let active = flags::active_for(tx, org, patient).await?;
        let refs: Vec<&MeasureStatus> = ms.iter().collect();
        let plan_due = self.plan_due(tx, patient, &ms).await?;
        let due = match &plan_due {
            Some(d) => d.clone(),
            None => self.clinic_due(&ms, episode.started_on),
        };
        let plan = self.flag_plan_due(&refs, &due, &active);
        let mut raised = Vec::new();
        let mut cleared = Vec::new();
        for &i in &plan.clear {
            let f = &active[i];
            flags::clear(tx, org, f.id, at.max(f.period_start), now).await?;
            cleared.push(f.kind);
        }
        for (i, reason) in &plan.reword {
            flags::update_reason(tx, org, active[*i].id, reason, now).await?;
        }
        // Read only when a safety flag is new: most responses raise none.
        let mut team: Option<Vec<care_team::Member>> = None;
        for (kind, reason) in &plan.raise {
            let id = FlagId::generate(self.clock(), self.entropy());
            flags::raise(tx, org, id, patient, *kind, reason, at, now).await?;
            raised.push(*kind);
            if kind.is_safety() {
                let members = match &mut team {
                    Some(t) => t,
                    None => team.insert(care_team::for_patient(tx, org, patient).await?),
                };
                let mut notified = BTreeSet::new();
                for m in members.iter().filter(|m| m.active_on(today)) {
                    if notified.insert(m.user_id) {
                        let n = NotificationId::generate(self.clock(), self.entropy());
                        flags::notify(tx, org, n, m.user_id, patient, id, now).await?;
                    }
                }
            }
        }
        let kinds = plan.kinds_after(&active);
        let mut status = self.status_row(patient, episode, &ms, &kinds, now);
        status.measures_due_on = plan_due.map(|d| d.on_time_until);
        registry::upsert(tx, org, &status).await?;
        Ok((raised, cleared))
    }

    pub(crate) fn status_row(
        &self,
        patient: PatientId,
        episode: &Episode,
        ms: &[MeasureStatus],
        kinds: &[FlagKind],
        now: OffsetDateTime,
    ) -> PatientStatus {
        let tracked = |id: &str| {
            ms.iter()
                .find(|m| m.instrument == id)
                .map(|m| Tracked {
                    score: m.latest_score,
                    change: m.change,
                    severity: m.latest_severity.clone(),
                    status: m.status.clone(),
                })
                .unwrap_or_default()
        };
        let worst = ms
            .iter()
            .filter_map(|m| m.status.as_deref().and_then(Status::from_label))
            .max_by_key(|s| s.urgency());
        PatientStatus {
            patient_id: patient,
            episode_id: episode.id,
            episode_start: episode.started_on,
            last_measured_on: ms.iter().map(|m| m.latest_on).max(),
            phq9: tracked("phq9"),
            gad7: tracked("gad7"),
            status: worst.map(|s| s.label().to_string()),
            status_rank: worst.map_or(0, Status::urgency),
            flags: FlagKind::bits(kinds),
            urgency: FlagKind::urgency(kinds),
            updated_at: now,
            // The care plan's schedule, where there is one, is set by the
            // caller that read the plan.
            measures_due_on: None,
        }
    }

    /// The "Overdue" flag raised when `due` has passed: its reason and when
    /// the condition began.
    pub(crate) fn overdue_flag_due(
        &self,
        due: &flag::Due,
        now: OffsetDateTime,
    ) -> (String, OffsetDateTime) {
        let became = due.on_time_until + Duration::days(1);
        (due.reason.clone(), became.midnight().assume_utc().min(now))
    }

    /// The "Overdue" flag the calendar raises for a patient last measured
    /// (or, never measured, whose episode started) on `last`: its reason and
    /// when the condition began.
    pub(crate) fn overdue_flag(&self, last: Date, now: OffsetDateTime) -> (String, OffsetDateTime) {
        let became = last + Duration::weeks(self.cadence().overdue_after_weeks) + Duration::days(1);
        (
            format!("last measure {last}"),
            became.midnight().assume_utc().min(now),
        )
    }

    /// The calendar's part of the flags: raises "Overdue" for patients with
    /// no measure within the cadence, clears it for those on time again.
    /// Runs at start-up and periodically in the server. Returns how many
    /// patients changed.
    pub async fn sweep_overdue(&self) -> Result<usize> {
        let org = self.org;
        let today = self.clock().today();
        let cadence = self.cadence();
        let since = flag::on_time_since(today, cadence);
        let mut changed = 0;
        loop {
            let mut tx = self.store.begin().await?;
            let batch =
                registry::overdue_changes(&mut tx, org, since, today, FlagKind::Overdue.bit(), 500)
                    .await?;
            if batch.is_empty() {
                break;
            }
            let now = self.now();
            for patient in &batch {
                let Some(row) = registry::get(&mut tx, org, *patient).await? else {
                    continue;
                };
                self.apply_overdue(&mut tx, &row, today, now).await?;
                changed += 1;
            }
            let mut rec = self.system_record("flag.sweep");
            rec.detail = Some(format!(
                "overdue flags updated for {} patients",
                batch.len()
            ));
            audit::append(&mut tx, rec).await?;
            tx.commit().await?;
        }
        Ok(changed)
    }

    /// Raises or clears the patient's "Overdue" flag by today's due date
    /// (the care plan's schedule or the clinic's cadence) and writes the
    /// due date and the flag bits to the registry row. Returns whether the
    /// patient is overdue.
    pub(crate) async fn apply_overdue(
        &self,
        tx: &mut Tx,
        row: &PatientStatus,
        today: Date,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let org = self.org;
        let patient = row.patient_id;
        let ms = measures::measures_for(tx, org, patient, row.episode_id).await?;
        let plan_due = self.plan_due(tx, patient, &ms).await?;
        let due = match &plan_due {
            Some(d) => d.clone(),
            None => flag::clinic_due(
                row.last_measured_on.unwrap_or(row.episode_start),
                self.cadence(),
            ),
        };
        registry::set_measures_due(tx, org, patient, plan_due.map(|d| d.on_time_until)).await?;
        let active = flags::active_for(tx, org, patient).await?;
        let current = active.iter().find(|f| f.kind == FlagKind::Overdue);
        let overdue = due.is_overdue(today);
        match (overdue, current) {
            (true, None) => {
                let id = FlagId::generate(self.clock(), self.entropy());
                let (reason, since) = self.overdue_flag_due(&due, now);
                flags::raise(tx, org, id, patient, FlagKind::Overdue, &reason, since, now).await?;
            }
            (true, Some(f)) if f.reason != due.reason => {
                flags::update_reason(tx, org, f.id, &due.reason, now).await?;
            }
            (false, Some(f)) => {
                flags::clear(tx, org, f.id, now, now).await?;
            }
            _ => {}
        }
        let mut kinds: Vec<FlagKind> = active
            .iter()
            .map(|f| f.kind)
            .filter(|k| *k != FlagKind::Overdue)
            .collect();
        if overdue {
            kinds.push(FlagKind::Overdue);
        }
        registry::set_flags(
            tx,
            org,
            patient,
            FlagKind::bits(&kinds),
            FlagKind::urgency(&kinds),
            now,
        )
        .await?;
        Ok(overdue)
    }

    /// Acknowledges a flag with a note: someone saw it and acted. The flag
    /// stays active until its condition ends.
    pub async fn acknowledge_flag(
        &self,
        caller: &Caller,
        patient: PatientId,
        flag: FlagId,
        note: &str,
    ) -> Result<()> {
        let note = note.trim();
        if note.chars().count() < 3 {
            return Err(AppError::invalid(
                "note",
                "say what was done in a few words (at least 3 characters)",
            ));
        }
        if note.chars().count() > 2000 {
            return Err(AppError::invalid(
                "note",
                "keep the note under 2,000 characters",
            ));
        }
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "flag.acknowledge",
            )
            .await?;
        let org = caller.actor.org;
        let f = flags::get(&mut tx, org, flag)
            .await?
            .filter(|f| f.patient_id == patient)
            .ok_or(AppError::NotFound("flag"))?;
        if !f.active {
            return Err(AppError::Conflict(
                "this flag is no longer active; nothing to acknowledge".into(),
            ));
        }
        let now = self.now();
        let id = AcknowledgementId::generate(self.clock(), self.entropy());
        flags::acknowledge(&mut tx, org, id, flag, caller.actor.user_id, note, now).await?;
        flags::mark_read(&mut tx, org, caller.actor.user_id, flag, now).await?;
        let mut rec = self.patient_record(caller, "flag.acknowledge", patient, purpose);
        rec.resource = Some(format!("Flag/{flag}"));
        rec.detail = Some(f.kind.text().to_string());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller's notification list. Names patients, so it is audited.
    pub async fn notifications(
        &self,
        caller: &Caller,
        limit: u32,
    ) -> Result<Vec<flags::Notification>> {
        if !caller.actor.role.is_clinician() {
            return Err(AppError::Forbidden(Forbidden::Role));
        }
        let mut tx = self.store.begin().await?;
        let list = flags::notifications_for(&mut tx, caller.actor.org, caller.actor.user_id, limit)
            .await?;
        let mut rec = self.record(
            caller,
            "notifications.read",
            tandem_core::audit::Outcome::Success,
        );
        rec.detail = Some(format!("{} entries", list.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Unread safety notifications: a number for the navigation badge, no
    /// patient data.
    pub async fn unread_notifications(&self, caller: &Caller) -> Result<i64> {
        if !caller.actor.role.is_clinician() {
            return Ok(0);
        }
        let mut tx = self.store.begin_read().await?;
        let n = flags::unread_count(&mut tx, caller.actor.org, caller.actor.user_id).await?;
        tx.commit().await?;
        Ok(n)
    }
}

fn names(kinds: &[FlagKind]) -> String {
    kinds
        .iter()
        .map(|k| k.text())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The measurement part of an opened chart.
#[derive(Clone, Debug, Default)]
pub struct ChartMeasures {
    pub episode_start: Option<Date>,
    pub measures: Vec<MeasureStatus>,
    /// Every response of the open episode, oldest first, by instrument.
    pub history: BTreeMap<String, Vec<Response>>,
    pub active_flags: Vec<Flag>,
    pub acknowledgements: Vec<flags::Acknowledgement>,
}

impl App {
    /// Loads the measurement part of a chart inside an open transaction.
    pub(crate) async fn chart_measures(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<ChartMeasures> {
        let org = self.org;
        let Some(ep) = episodes::open(tx, org, patient).await? else {
            return Ok(ChartMeasures::default());
        };
        let measures = measures::measures_for(tx, org, patient, ep.id).await?;
        let mut history: BTreeMap<String, Vec<Response>> = BTreeMap::new();
        for r in measures::in_episode(tx, org, ep.id, None).await? {
            history.entry(r.instrument.clone()).or_default().push(r);
        }
        Ok(ChartMeasures {
            episode_start: Some(ep.started_on),
            measures,
            history,
            active_flags: flags::active_for(tx, org, patient).await?,
            acknowledgements: flags::acknowledgements_for(tx, org, patient).await?,
        })
    }

    /// The audit record of something the system did by itself.
    pub(crate) fn system_record(&self, action: &str) -> tandem_core::audit::AuditRecord {
        tandem_core::audit::AuditRecord {
            org: self.org,
            at: self.now(),
            actor_id: None,
            actor: "system".into(),
            actor_role: "system".into(),
            channel: "system".into(),
            action: action.to_string(),
            patient_id: None,
            resource: None,
            purpose: None,
            detail: None,
            outcome: tandem_core::audit::Outcome::Success.as_str().to_string(),
        }
    }
}
