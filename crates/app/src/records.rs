//! Reading what measurement produced, one record or one patient's list at a
//! time (FHIR `QuestionnaireResponse`, `Observation`, `Flag`). Each read
//! decides access on the record's patient and is audited.

use crate::{App, AppError, Caller, Result};
use tandem_core::access::PatientAction;
use tandem_core::ids::{FlagId, ObservationId, PatientId, ResponseId};
use tandem_store::audit;
use tandem_store::flags::{self, Flag};
use tandem_store::measures::{self, Observation, ObservationQuery, Response};

impl App {
    /// Which patient a record belongs to, so access can be decided on that
    /// patient (and audited) before the record is returned.
    async fn owner<T>(
        &self,
        find: impl AsyncFnOnce(&mut tandem_store::Tx) -> Result<Option<T>>,
        patient_of: impl Fn(&T) -> PatientId,
        what: &'static str,
    ) -> Result<(T, PatientId)> {
        let mut tx = self.store.begin_read().await?;
        let found = find(&mut tx).await?;
        tx.commit().await?;
        let t = found.ok_or(AppError::NotFound(what))?;
        let p = patient_of(&t);
        Ok((t, p))
    }

    async fn audited_read<T>(
        &self,
        caller: &Caller,
        patient: PatientId,
        action: &str,
        resource: String,
        value: T,
    ) -> Result<T> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, action)
            .await?;
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(resource);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(value)
    }

    pub async fn read_response(&self, caller: &Caller, id: ResponseId) -> Result<Response> {
        let org = self.org;
        let (r, patient) = self
            .owner(
                async |tx| Ok(measures::get_response(tx, org, id).await?),
                |r: &Response| r.patient_id,
                "QuestionnaireResponse",
            )
            .await?;
        self.audited_read(
            caller,
            patient,
            "response.read",
            format!("QuestionnaireResponse/{id}"),
            r,
        )
        .await
    }

    /// A patient's responses, oldest first, optionally of one instrument.
    pub async fn patient_responses(
        &self,
        caller: &Caller,
        patient: PatientId,
        instrument: Option<&str>,
    ) -> Result<Vec<Response>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "response.search")
            .await?;
        let list = measures::responses_for(&mut tx, self.org, patient, instrument).await?;
        let mut rec = self.patient_record(caller, "response.search", patient, purpose);
        rec.resource = Some("QuestionnaireResponse".into());
        rec.detail = Some(format!("{} found", list.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(list)
    }

    pub async fn read_observation(
        &self,
        caller: &Caller,
        id: ObservationId,
    ) -> Result<Observation> {
        let org = self.org;
        let (o, patient) = self
            .owner(
                async |tx| Ok(measures::get_observation(tx, org, id).await?),
                |o: &Observation| o.patient_id,
                "Observation",
            )
            .await?;
        self.audited_read(
            caller,
            patient,
            "observation.read",
            format!("Observation/{id}"),
            o,
        )
        .await
    }

    pub async fn search_observations(
        &self,
        caller: &Caller,
        patient: PatientId,
        q: &ObservationQuery,
    ) -> Result<(Vec<Observation>, u64)> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "observation.search",
            )
            .await?;
        let (list, total) = measures::search_observations(&mut tx, self.org, patient, q).await?;
        let mut rec = self.patient_record(caller, "observation.search", patient, purpose);
        rec.resource = Some("Observation".into());
        rec.detail = Some(format!("{total} found"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok((list, total))
    }

    /// The observations derived from one response (its scores).
    pub async fn response_observations(
        &self,
        caller: &Caller,
        id: ResponseId,
    ) -> Result<(Response, Vec<Observation>)> {
        let r = self.read_response(caller, id).await?;
        let mut tx = self.store.begin_read().await?;
        let obs = measures::observations_of_response(&mut tx, self.org, id).await?;
        tx.commit().await?;
        Ok((r, obs))
    }

    pub async fn read_flag(&self, caller: &Caller, id: FlagId) -> Result<Flag> {
        let org = self.org;
        let (f, patient) = self
            .owner(
                async |tx| Ok(flags::get(tx, org, id).await?),
                |f: &Flag| f.patient_id,
                "Flag",
            )
            .await?;
        self.audited_read(caller, patient, "flag.read", format!("Flag/{id}"), f)
            .await
    }

    pub async fn search_flags(
        &self,
        caller: &Caller,
        patient: PatientId,
        active: Option<bool>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Flag>, u64)> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "flag.search")
            .await?;
        let (list, total) =
            flags::search(&mut tx, self.org, patient, active, limit, offset).await?;
        let mut rec = self.patient_record(caller, "flag.search", patient, purpose);
        rec.resource = Some("Flag".into());
        rec.detail = Some(format!("{total} found"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok((list, total))
    }
}
