//! The opioid treatment program: the daily dosing log against a methadone
//! or buprenorphine order, the take-home criteria the prescriber documents,
//! the take-home schedule within the ceiling of 42 CFR 8.12(i), and the
//! "Missed doses" flag.
//!
//! Days in treatment count from the order's start date (day 0): the start
//! of a methadone or buprenorphine order is the patient's admission to
//! dosing, and a titration or taper keeps the order, so the count goes on.
//! A new order after a discontinuation starts a new count.
//!
//! The flag is decided by the log alone: after the clinic's number of
//! consecutive missed methadone doses (`methadone_missed_doses_review` in
//! the medication settings, 3 from the national methadone guideline) it asks for a dose
//! reassessment and reaches the care team's notifications; a dose given
//! after the missed days clears it.

use crate::{App, AppError, Caller, Forbidden, MedicationOrder, Result, patient_ref};
use std::collections::BTreeSet;
use tandem_core::access::PatientAction;
use tandem_core::audit::Outcome;
use tandem_core::flag::FlagKind;
use tandem_core::ids::{
    DoseRecordId, FlagId, MedicationOrderId, NotificationId, PatientId, TakeHomeDayId,
    TakeHomeGrantId, TakeHomeReviewId, UserId,
};
use tandem_core::medication::dosing::{
    self, CriterionReview, DayError, Entry, Given, ScheduleError, TakeHomeDay, can_grant_take_home,
    can_record_dose, check_day, check_schedule, days_in_treatment, missed_since_last_dose,
};
use tandem_core::medication::prescription::{OrderStatus, dose_on};
use tandem_core::medication::settings::METHADONE_MISSED_DOSES_REVIEW;
use tandem_core::medication::take_home::{Ceiling, missed_doses_review};
use tandem_core::medication::{Dose, RxCui};
use tandem_core::patient::Patient;
use tandem_store::flags::{self, Flag};
use tandem_store::otp::{self as store, DoseRow, ReviewRow, TakeHomeDayRow};
use tandem_store::{Tx, audit, care_team, registry};
use time::{Date, Duration, OffsetDateTime};

/// How many days of the log the dosing page shows.
pub const LOG_DAYS: i64 = 28;

/// A dose (or part of one) or a missed day to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDose {
    pub order: MedicationOrderId,
    /// The day the dose is for.
    pub on: Date,
    pub entry: Entry,
    /// When an observed dose or part was taken; now when not given. A
    /// take-home dose is dispensed now; a missed day has no time.
    pub given_at: Option<OffsetDateTime>,
    /// Optional; a missed day's reason, for instance.
    pub note: String,
}

/// One record of the dosing log.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseRecord {
    pub id: DoseRecordId,
    pub patient: PatientId,
    pub order: MedicationOrderId,
    pub drug: RxCui,
    pub drug_name: String,
    pub on: Date,
    pub entry: Entry,
    pub given_at: Option<OffsetDateTime>,
    pub note: Option<String>,
    pub by: UserId,
    pub by_name: String,
    pub recorded_at: OffsetDateTime,
}

impl DoseRecord {
    pub fn is_given(&self) -> bool {
        matches!(self.entry, Entry::Given { .. })
    }

    /// What the record says in a few words: "Observed", "Take-home",
    /// "Observed, part 1 of 2", "Missed".
    pub fn describe(&self) -> String {
        match &self.entry {
            Entry::Missed => "Missed".into(),
            Entry::Given { how, part, .. } if part.is_split() => {
                format!("{}, part {} of {}", how.label(), part.number(), part.of())
            }
            Entry::Given { how, .. } => how.label().into(),
        }
    }
}

/// What recording a dose did to the "Missed doses" flag.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseRecorded {
    pub record: DoseRecord,
    /// Missed doses in a row since the last dose given, after this record.
    pub missed_in_a_row: u32,
    pub flag_raised: bool,
    pub flag_cleared: bool,
}

/// The practitioner's latest review of the take-home criteria.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeHomeReview {
    pub id: TakeHomeReviewId,
    pub order: MedicationOrderId,
    pub criteria: Vec<CriterionReview>,
    pub by: UserId,
    pub by_name: String,
    pub at: OffsetDateTime,
}

/// One methadone or buprenorphine order on the dosing page.
#[derive(Clone, Debug)]
pub struct OtpOrder {
    pub order: MedicationOrder,
    /// Day 0 is the order's start date.
    pub days_in_treatment: u32,
    /// The ceiling today: days, or not applicable (buprenorphine).
    pub ceiling: Ceiling,
    /// The dose in force today, prefilled on the dose form.
    pub dose_today: Dose,
    pub review: Option<TakeHomeReview>,
    /// Take-home dates from today on.
    pub take_home: Vec<TakeHomeDayRow>,
    /// The last [`LOG_DAYS`] days of the log, oldest first.
    pub log: Vec<DoseRecord>,
    pub missed_in_a_row: u32,
}

/// The clinic's missed-doses setting, as the dosing page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissedDosesSetting {
    pub threshold: u32,
    pub unit: String,
    pub verified: bool,
    pub note: String,
}

/// The dosing page of a patient.
#[derive(Clone, Debug)]
pub struct OtpChart {
    pub patient: Patient,
    pub orders: Vec<OtpOrder>,
    /// The active "Missed doses" flag, if raised.
    pub missed_flag: Option<Flag>,
    pub setting: MissedDosesSetting,
    /// The citation of the take-home ceilings.
    pub citation: String,
    /// The criteria (id, text) and their citation.
    pub criteria: Vec<(String, String)>,
    pub criteria_citation: String,
    pub today: Date,
}

fn corrupt(what: &str) -> AppError {
    AppError::Internal(format!("stored {what} cannot be read"))
}

fn day_error(e: DayError) -> AppError {
    let field = match e {
        DayError::Unit(_) | DayError::AboveOrder { .. } => "amount",
        DayError::AlreadyRecorded | DayError::PartRecorded { .. } | DayError::SplitMismatch(_) => {
            "part"
        }
        DayError::DayMissed | DayError::DoseGiven => "kind",
    };
    AppError::invalid(field, e.to_string())
}

fn schedule_error(e: ScheduleError) -> AppError {
    let field = match e {
        ScheduleError::CriteriaMissing(_) | ScheduleError::CriteriaNotMet(_) => "criteria",
        _ => "dates",
    };
    AppError::invalid(field, e.to_string())
}

fn record_from(r: &DoseRow, drug_name: &str) -> Result<DoseRecord> {
    let entry = Entry::parse(
        &r.kind,
        r.amount,
        r.dose_unit.as_deref(),
        i64::from(r.part),
        i64::from(r.parts),
    )
    .ok_or_else(|| corrupt("dose record"))?;
    Ok(DoseRecord {
        id: r.id,
        patient: r.patient_id,
        order: r.order_id,
        drug: u32::try_from(r.rxcui)
            .ok()
            .and_then(RxCui::new)
            .ok_or_else(|| corrupt("rxcui"))?,
        drug_name: drug_name.to_string(),
        on: r.dose_on,
        entry,
        given_at: r.given_at,
        note: r.note.clone(),
        by: r.recorded_by,
        by_name: r.recorded_by_name.clone(),
        recorded_at: r.recorded_at,
    })
}

fn review_from(r: ReviewRow) -> Result<TakeHomeReview> {
    Ok(TakeHomeReview {
        id: r.id,
        order: r.order_id,
        criteria: serde_json::from_str(&r.criteria).map_err(|_| corrupt("criteria review"))?,
        by: r.reviewed_by,
        by_name: r.reviewed_by_name,
        at: r.reviewed_at,
    })
}

impl App {
    /// The drugs of the take-home ladder's file: methadone (ceilings apply)
    /// and buprenorphine (they do not). Orders of these are dosed here.
    fn is_otp_drug(&self, drug: RxCui) -> bool {
        let m = &self.medication;
        m.catalog.lookup(drug).is_some_and(|d| {
            m.take_home.applies_to.contains(&d) || m.take_home.not_applicable.contains(&d)
        })
    }

    fn drug_name(&self, rxcui: i64) -> String {
        let c = &self.medication.catalog;
        u32::try_from(rxcui)
            .ok()
            .and_then(RxCui::new)
            .and_then(|r| c.lookup(r))
            .map_or_else(|| rxcui.to_string(), |d| c.drug(d).name.clone())
    }

    /// The clinic's missed-doses review setting.
    pub fn missed_doses_setting(&self) -> MissedDosesSetting {
        let s = self.medication.settings.get(METHADONE_MISSED_DOSES_REVIEW);
        MissedDosesSetting {
            threshold: s.map_or(0, |s| s.value),
            unit: s.map_or_else(String::new, |s| s.unit.clone()),
            verified: s.is_some_and(|s| s.verified),
            note: s.map_or_else(String::new, |s| s.note.clone()),
        }
    }

    /// Refuses (and audits) a caller whose role may not do `what`.
    async fn refuse_role(
        &self,
        caller: &Caller,
        action: &str,
        patient: PatientId,
        why: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let mut rec = self.record(caller, action, Outcome::Denied);
        rec.patient_id = Some(patient);
        rec.resource = Some(patient_ref(patient));
        rec.detail = Some(format!("role not permitted: {why}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Err(AppError::Forbidden(Forbidden::Role))
    }

    /// One of the patient's methadone or buprenorphine orders, active
    /// today.
    async fn otp_order(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        id: MedicationOrderId,
    ) -> Result<MedicationOrder> {
        let order = self.load_one(tx, id).await?;
        if order.patient != patient {
            return Err(AppError::NotFound("medication order"));
        }
        if !self.is_otp_drug(order.drug) {
            return Err(AppError::invalid(
                "order",
                "only methadone and buprenorphine orders are dosed in the opioid treatment program",
            ));
        }
        match order.status {
            OrderStatus::Active => Ok(order),
            s => Err(AppError::invalid(
                "order",
                format!(
                    "the order is {}; doses are given against an active order",
                    s.label().to_lowercase()
                ),
            )),
        }
    }

    /// Records a dose given (observed or take-home, whole or one part of a
    /// split dose) or a missed day, and brings the "Missed doses" flag in
    /// line with the log.
    pub async fn record_dose(
        &self,
        caller: &Caller,
        patient: PatientId,
        dose: &NewDose,
    ) -> Result<DoseRecorded> {
        const ACTION: &str = "otp.dose";
        if !can_record_dose(caller.actor.role) {
            self.refuse_role(
                caller,
                ACTION,
                patient,
                "only nurses and prescribers record doses",
            )
            .await?;
        }
        let note = dose.note.trim();
        if note.chars().count() > 1000 {
            return Err(AppError::invalid(
                "note",
                "keep the note under 1000 characters",
            ));
        }
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, ACTION)
            .await?;
        // Two nurses recording the same day must see each other's record.
        tandem_store::patients::lock(&mut tx, self.org, patient).await?;
        let order = self.otp_order(&mut tx, patient, dose.order).await?;
        let today = self.clock().today();
        let now = self.now();
        if dose.on < order.start_on {
            return Err(AppError::invalid(
                "on",
                format!("the order starts on {}", order.start_on),
            ));
        }
        if order.ends_on.is_some_and(|end| dose.on >= end) {
            return Err(AppError::invalid("on", "the order has ended by this day"));
        }
        let drug = i64::from(order.drug.get());
        let mut given_at = None;
        match &dose.entry {
            Entry::Given {
                how: Given::TakeHome,
                ..
            } => {
                let granted = store::take_home_days(&mut tx, self.org, patient, dose.on)
                    .await?
                    .iter()
                    .any(|d| d.dose_on == dose.on && d.rxcui == drug);
                if !granted {
                    return Err(AppError::invalid(
                        "on",
                        format!("{} is not a date of the take-home schedule", dose.on),
                    ));
                }
                given_at = Some(now);
            }
            Entry::Given {
                how: Given::Observed,
                ..
            } => {
                if dose.on > today {
                    return Err(AppError::invalid(
                        "on",
                        "an observed dose cannot be recorded for a day still to come",
                    ));
                }
                let at = dose.given_at.unwrap_or(now);
                if at.date() != dose.on {
                    return Err(AppError::invalid(
                        "given_at",
                        "the time given must be on the day of the dose",
                    ));
                }
                if at > now {
                    return Err(AppError::invalid(
                        "given_at",
                        "the time given is still to come",
                    ));
                }
                given_at = Some(at);
            }
            Entry::Missed => {
                if dose.on > today {
                    return Err(AppError::invalid(
                        "on",
                        "a day still to come cannot be missed yet",
                    ));
                }
            }
        }
        let steps: Vec<_> = order
            .history
            .iter()
            .map(|s| (s.kind, s.on, s.dose))
            .collect();
        let in_force = dose_on(&steps, dose.on).unwrap_or(order.dose);
        let all = store::doses_for_patient(&mut tx, self.org, patient, None).await?;
        let same_day: Vec<Entry> = all
            .iter()
            .filter(|r| r.rxcui == drug && r.dose_on == dose.on)
            .map(|r| record_from(r, &order.drug_name).map(|d| d.entry))
            .collect::<Result<_>>()?;
        check_day(&same_day, &dose.entry, in_force).map_err(day_error)?;
        let (amount, unit) = match &dose.entry {
            Entry::Given { amount, .. } => (
                Some(amount.quantity.get()),
                Some(amount.unit.ucum().to_string()),
            ),
            Entry::Missed => (None, None),
        };
        let part = dose.entry.part();
        let row = DoseRow {
            id: DoseRecordId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            order_id: order.id,
            rxcui: drug,
            dose_on: dose.on,
            kind: dose.entry.kind_str().into(),
            amount,
            dose_unit: unit,
            part: i32::from(part.number()),
            parts: i32::from(part.of()),
            given_at,
            note: (!note.is_empty()).then(|| note.to_string()),
            recorded_by: caller.actor.user_id,
            recorded_by_name: caller.actor.display_name.clone(),
            recorded_at: now,
        };
        store::insert_dose(&mut tx, self.org, &row).await?;
        let record = record_from(&row, &order.drug_name)?;

        let mut days: Vec<(Date, bool)> = all
            .iter()
            .filter(|r| r.rxcui == drug)
            .map(|r| (r.dose_on, r.kind != "missed"))
            .collect();
        days.push((row.dose_on, record.is_given()));
        let missed = missed_since_last_dose(&days);
        let (raised, cleared) = self
            .apply_missed_doses(&mut tx, patient, &order, missed, now)
            .await?;

        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some(format!("MedicationAdministration/{}", row.id));
        rec.detail = Some(format!(
            "{} {} on {}{}",
            order.drug_name,
            record.describe().to_lowercase(),
            dose.on,
            amount.map_or_else(String::new, |a| format!(
                ", {} {}",
                crate::fmt_qty(a),
                in_force.unit.label()
            ))
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(DoseRecorded {
            record,
            missed_in_a_row: missed,
            flag_raised: raised,
            flag_cleared: cleared,
        })
    }

    /// Raises, rewords or clears "Missed doses" for `missed` consecutive
    /// missed doses of the order's drug. Only drugs under the take-home
    /// ceilings (methadone) are read against the setting, which speaks of
    /// methadone. Returns (raised, cleared).
    async fn apply_missed_doses(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        order: &MedicationOrder,
        missed: u32,
        now: OffsetDateTime,
    ) -> Result<(bool, bool)> {
        let org = self.org;
        let laddered = matches!(
            self.medication
                .take_home
                .ceiling(&self.medication.catalog, order.drug, 0),
            Ceiling::Days(_)
        );
        if !laddered {
            return Ok((false, false));
        }
        let (review, verified) = missed_doses_review(&self.medication.settings, missed);
        let active = flags::active_for(tx, org, patient).await?;
        let current = active.iter().find(|f| f.kind == FlagKind::MissedDoses);
        let reason = format!(
            "{missed} missed {} doses in a row: reassess the dose before the next one (clinic setting{})",
            order.drug_name,
            if verified { "" } else { ", unverified" }
        );
        let (raised, cleared) = match (review, current) {
            (true, None) => {
                let id = FlagId::generate(self.clock(), self.entropy());
                flags::raise(
                    tx,
                    org,
                    id,
                    patient,
                    FlagKind::MissedDoses,
                    &reason,
                    now,
                    now,
                )
                .await?;
                let today = self.clock().today();
                let mut notified = BTreeSet::new();
                for m in care_team::for_patient(tx, org, patient).await? {
                    if m.active_on(today) && notified.insert(m.user_id) {
                        let n = NotificationId::generate(self.clock(), self.entropy());
                        flags::notify(tx, org, n, m.user_id, patient, id, now).await?;
                    }
                }
                (true, false)
            }
            (true, Some(f)) => {
                if f.reason != reason {
                    flags::update_reason(tx, org, f.id, &reason, now).await?;
                }
                (false, false)
            }
            (false, Some(f)) => {
                flags::clear(tx, org, f.id, now, now).await?;
                (false, true)
            }
            (false, None) => (false, false),
        };
        if raised || cleared {
            let kinds: Vec<FlagKind> = flags::active_for(tx, org, patient)
                .await?
                .into_iter()
                .map(|f| f.kind)
                .collect();
            registry::set_flags(
                tx,
                org,
                patient,
                FlagKind::bits(&kinds),
                FlagKind::urgency(&kinds),
                now,
            )
            .await?;
        }
        Ok((raised, cleared))
    }

    /// The prescriber documents the take-home criteria for an order: each
    /// met or not met, with a note. `answers` are (criterion id, met, note).
    pub async fn review_take_home_criteria(
        &self,
        caller: &Caller,
        patient: PatientId,
        order: MedicationOrderId,
        answers: &[(String, Option<bool>, String)],
    ) -> Result<TakeHomeReview> {
        const ACTION: &str = "otp.take_home_criteria";
        if !can_grant_take_home(caller.actor.role) {
            self.refuse_role(
                caller,
                ACTION,
                patient,
                "only prescribers document the take-home criteria",
            )
            .await?;
        }
        let criteria = dosing::check_review(&self.medication.take_home, answers).map_err(|es| {
            let mut v = tandem_core::ValidationErrors::default();
            for e in es {
                let text = self
                    .medication
                    .take_home
                    .criteria
                    .items
                    .iter()
                    .find(|c| c.id == e.criterion())
                    .map_or_else(|| e.criterion().to_string(), |c| c.text.clone());
                v.add("criteria", format!("{text}: {e}"));
            }
            AppError::Invalid(v)
        })?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, ACTION)
            .await?;
        let o = self.otp_order(&mut tx, patient, order).await?;
        let row = ReviewRow {
            id: TakeHomeReviewId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            order_id: o.id,
            criteria: serde_json::to_string(&criteria)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            reviewed_by: caller.actor.user_id,
            reviewed_by_name: caller.actor.display_name.clone(),
            reviewed_at: self.now(),
        };
        store::insert_review(&mut tx, self.org, &row).await?;
        let met = criteria.iter().filter(|c| c.met).count();
        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{}", o.id));
        rec.detail = Some(format!(
            "take-home criteria for {}: {met} of {} met",
            o.drug_name,
            criteria.len()
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        review_from(row)
    }

    /// The prescriber grants take-home days: dates after today, within the
    /// ceiling for today's day in treatment (clinic-closure days besides),
    /// with the criteria documented and met. The ceilings and criteria do
    /// not apply to buprenorphine.
    pub async fn grant_take_home(
        &self,
        caller: &Caller,
        patient: PatientId,
        order: MedicationOrderId,
        dates: &[TakeHomeDay],
    ) -> Result<Vec<TakeHomeDayRow>> {
        const ACTION: &str = "otp.take_home_schedule";
        if !can_grant_take_home(caller.actor.role) {
            self.refuse_role(
                caller,
                ACTION,
                patient,
                "only prescribers grant take-home doses",
            )
            .await?;
        }
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, ACTION)
            .await?;
        tandem_store::patients::lock(&mut tx, self.org, patient).await?;
        let o = self.otp_order(&mut tx, patient, order).await?;
        let today = self.clock().today();
        let day = days_in_treatment(o.start_on, today);
        let review = match store::latest_review(&mut tx, self.org, o.id).await? {
            Some(r) => Some(review_from(r)?),
            None => None,
        };
        let ceiling = check_schedule(
            &self.medication.take_home,
            &self.medication.catalog,
            o.drug,
            today,
            day,
            dates,
            review.as_ref().map(|r| r.criteria.as_slice()),
        )
        .map_err(schedule_error)?;
        if let Some(end) = o.ends_on
            && let Some(d) = dates.iter().find(|d| d.on >= end)
        {
            return Err(AppError::invalid(
                "dates",
                format!("{} is after the order ends", d.on),
            ));
        }
        let drug = i64::from(o.drug.get());
        let taken: BTreeSet<Date> = store::take_home_days(&mut tx, self.org, patient, today)
            .await?
            .into_iter()
            .filter(|d| d.rxcui == drug)
            .map(|d| d.dose_on)
            .collect();
        if let Some(d) = dates.iter().find(|d| taken.contains(&d.on)) {
            return Err(AppError::invalid(
                "dates",
                format!("{} is already a take-home date", d.on),
            ));
        }
        let now = self.now();
        let grant = TakeHomeGrantId::generate(self.clock(), self.entropy());
        let mut rows = Vec::new();
        let mut sorted = dates.to_vec();
        sorted.sort();
        for d in sorted {
            let row = TakeHomeDayRow {
                id: TakeHomeDayId::generate(self.clock(), self.entropy()),
                grant_id: grant,
                patient_id: patient,
                order_id: o.id,
                rxcui: drug,
                dose_on: d.on,
                closure: d.closure,
                days_in_treatment: i32::try_from(day).unwrap_or(i32::MAX),
                granted_by: caller.actor.user_id,
                granted_at: now,
            };
            store::insert_take_home_day(&mut tx, self.org, &row).await?;
            rows.push(row);
        }
        let closures = rows.iter().filter(|r| r.closure).count();
        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{}", o.id));
        rec.detail = Some(format!(
            "{} take-home days of {} ({closures} for clinic closure) on day {day} of treatment; ceiling {}",
            rows.len(),
            o.drug_name,
            match ceiling {
                Ceiling::Days(n) => n.to_string(),
                _ => "not applicable".into(),
            }
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The dosing page: each methadone or buprenorphine order in force with
    /// its last four weeks of doses, days in treatment, ceiling, criteria
    /// review and take-home dates; the "Missed doses" flag and its setting.
    pub async fn otp_dosing(&self, caller: &Caller, patient: PatientId) -> Result<OtpChart> {
        const ACTION: &str = "otp.read";
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, ACTION)
            .await?;
        let today = self.clock().today();
        let since = today - Duration::days(LOG_DAYS - 1);
        let all = self.load_all(&mut tx, patient).await?;
        let doses = store::doses_for_patient(&mut tx, self.org, patient, None).await?;
        let take_home = store::take_home_days(&mut tx, self.org, patient, today).await?;
        let mut orders = Vec::new();
        for o in all {
            if !self.is_otp_drug(o.drug)
                || !matches!(o.status, OrderStatus::Active | OrderStatus::OnHold)
            {
                continue;
            }
            let drug = i64::from(o.drug.get());
            let mine: Vec<&DoseRow> = doses.iter().filter(|d| d.rxcui == drug).collect();
            let missed = missed_since_last_dose(
                &mine
                    .iter()
                    .map(|d| (d.dose_on, d.kind != "missed"))
                    .collect::<Vec<_>>(),
            );
            let log = mine
                .iter()
                .filter(|d| d.dose_on >= since && d.dose_on <= today)
                .map(|d| record_from(d, &o.drug_name))
                .collect::<Result<Vec<_>>>()?;
            let review = match store::latest_review(&mut tx, self.org, o.id).await? {
                Some(r) => Some(review_from(r)?),
                None => None,
            };
            let day = days_in_treatment(o.start_on, today);
            let steps: Vec<_> = o.history.iter().map(|s| (s.kind, s.on, s.dose)).collect();
            orders.push(OtpOrder {
                days_in_treatment: day,
                ceiling: self
                    .medication
                    .take_home
                    .ceiling(&self.medication.catalog, o.drug, day),
                dose_today: dose_on(&steps, today).unwrap_or(o.dose),
                review,
                take_home: take_home
                    .iter()
                    .filter(|t| t.rxcui == drug)
                    .cloned()
                    .collect(),
                log,
                missed_in_a_row: missed,
                order: o,
            });
        }
        let missed_flag = flags::active_for(&mut tx, self.org, patient)
            .await?
            .into_iter()
            .find(|f| f.kind == FlagKind::MissedDoses);
        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some("MedicationAdministration".into());
        rec.detail = Some(format!("{} orders", orders.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        let th = &self.medication.take_home;
        Ok(OtpChart {
            patient: p,
            orders,
            missed_flag,
            setting: self.missed_doses_setting(),
            citation: th.source.clone(),
            criteria: th
                .criteria
                .items
                .iter()
                .map(|c| (c.id.clone(), c.text.clone()))
                .collect(),
            criteria_citation: th.criteria.source.clone(),
            today,
        })
    }

    /// One record of the dosing log (FHIR `MedicationAdministration`).
    pub async fn read_dose(&self, caller: &Caller, id: DoseRecordId) -> Result<DoseRecord> {
        const ACTION: &str = "otp.dose.read";
        let org = self.org;
        let patient = {
            let mut tx = self.store.begin_read().await?;
            let found = store::get_dose(&mut tx, org, id)
                .await?
                .map(|d| d.patient_id);
            tx.commit().await?;
            found
        }
        .ok_or(AppError::NotFound("medication administration"))?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, ACTION)
            .await?;
        let row = store::get_dose(&mut tx, org, id)
            .await?
            .ok_or(AppError::NotFound("medication administration"))?;
        let record = record_from(&row, &self.drug_name(row.rxcui))?;
        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some(format!("MedicationAdministration/{id}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// A patient's dosing log, newest first: `given` keeps doses given
    /// (true) or missed days (false); `on` keeps one day.
    pub async fn search_doses(
        &self,
        caller: &Caller,
        patient: PatientId,
        given: Option<bool>,
        on: Option<Date>,
    ) -> Result<Vec<DoseRecord>> {
        const ACTION: &str = "otp.dose.search";
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, ACTION)
            .await?;
        let mut out = Vec::new();
        for r in store::doses_for_patient(&mut tx, self.org, patient, on).await? {
            if on.is_some_and(|d| r.dose_on != d) {
                continue;
            }
            let d = record_from(&r, &self.drug_name(r.rxcui))?;
            if given.is_none_or(|g| d.is_given() == g) {
                out.push(d);
            }
        }
        out.reverse();
        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some("MedicationAdministration".into());
        rec.detail = Some(format!("{} found", out.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(out)
    }
}
