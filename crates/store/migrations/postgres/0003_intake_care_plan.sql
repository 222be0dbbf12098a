-- Intake and the integrated care plan (PostgreSQL): programs and levels of care
-- on episodes, level transitions and discharge, coded diagnoses, structured
-- assessments with the pathway recommendation and the clinician's decision,
-- versioned care plans, and the education given to patients.

-- An episode is enrolled in a program at a level of care. Episodes started
-- by a first measure have neither until someone enrols the patient.
ALTER TABLE episodes ADD COLUMN program text;
ALTER TABLE episodes ADD COLUMN level text;
ALTER TABLE episodes ADD COLUMN enrolled_by uuid;
ALTER TABLE episodes ADD COLUMN discharge_reason text;
ALTER TABLE episodes ADD COLUMN discharge_summary text;
ALTER TABLE episodes ADD COLUMN discharged_by uuid;

-- One change of level of care within an episode.
CREATE TABLE episode_transitions (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL,
    episode_id  uuid NOT NULL,
    patient_id  uuid NOT NULL,
    on_date     date NOT NULL,
    from_level  text NOT NULL,
    to_level    text NOT NULL,
    reason      text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, episode_id) REFERENCES episodes (org_id, id)
);
CREATE INDEX episode_transitions_by_episode ON episode_transitions (org_id, episode_id, on_date);

-- A coded diagnosis (FHIR Condition). `code` is ICD-10-CM from the
-- content list; `rank` is primary or secondary; `clinical_status` active,
-- remission or resolved.
CREATE TABLE conditions (
    org_id          uuid NOT NULL,
    id              uuid NOT NULL,
    patient_id      uuid NOT NULL,
    code            text NOT NULL,
    display         text NOT NULL,
    rank            text NOT NULL,
    onset_on        date,
    clinical_status text NOT NULL,
    note            text,
    recorded_by     uuid,
    recorded_at     timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX conditions_by_patient ON conditions (org_id, patient_id, clinical_status);

-- A structured clinical assessment. `body` is the assessment as JSON
-- (presenting problems, history, substance use with dates of last use,
-- prescribing-relevant conditions, medications, mental status, risk,
-- strengths and preferences); `asam` the six dimension ratings with notes;
-- `recommendation` the pathway Tandem proposed, with its reasons, at the
-- time of the decision; `decision` accepted or overridden, with the pathway
-- chosen and, for an override, the reason.
CREATE TABLE assessments (
    org_id           uuid NOT NULL,
    id               uuid NOT NULL,
    patient_id       uuid NOT NULL,
    episode_id       uuid,
    body             text NOT NULL,
    asam             text,
    recommendation   text,
    decision         text,
    decision_pathway text,
    decision_reason  text,
    decided_by       uuid,
    decided_at       timestamptz,
    created_by       uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX assessments_by_patient ON assessments (org_id, patient_id, created_at);

-- A patient's care plan. Its content lives in versions; `current_version`
-- is the latest. One active plan per patient.
CREATE TABLE care_plans (
    org_id          uuid NOT NULL,
    id              uuid NOT NULL,
    patient_id      uuid NOT NULL,
    episode_id      uuid,
    status          text NOT NULL,
    current_version integer NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE UNIQUE INDEX care_plans_one_active ON care_plans (org_id, patient_id) WHERE status = 'active';

-- Every change to a plan is a new version: its whole content (`body`, JSON),
-- who made it, when and why. A signed version is locked; the patient's
-- agreement is recorded against a version.
CREATE TABLE care_plan_versions (
    org_id             uuid NOT NULL,
    plan_id            uuid NOT NULL,
    version            integer NOT NULL,
    patient_id         uuid NOT NULL,
    body               text NOT NULL,
    reason             text NOT NULL,
    author             uuid NOT NULL,
    created_at         timestamptz NOT NULL,
    signed_by          uuid,
    signed_at          timestamptz,
    patient_agreed_at  timestamptz,
    agreement_note     text,
    agreement_recorded_by uuid,
    PRIMARY KEY (org_id, plan_id, version),
    FOREIGN KEY (org_id, plan_id) REFERENCES care_plans (org_id, id)
);

-- Goals are addressable FHIR resources whose content lives in plan
-- versions; this maps a goal id to its plan and patient.
CREATE TABLE care_plan_goals (
    org_id     uuid NOT NULL,
    id         uuid NOT NULL,
    plan_id    uuid NOT NULL,
    patient_id uuid NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, plan_id) REFERENCES care_plans (org_id, id)
);
CREATE INDEX care_plan_goals_by_patient ON care_plan_goals (org_id, patient_id);

-- What education material was given to a patient, by whom and when.
CREATE TABLE education_given (
    org_id       uuid NOT NULL,
    id           uuid NOT NULL,
    patient_id   uuid NOT NULL,
    material     text NOT NULL,
    plan_version integer,
    given_by     uuid NOT NULL,
    given_at     timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX education_given_by_patient ON education_given (org_id, patient_id, given_at);
