-- Intake and the integrated care plan (SQLite): programs and levels of care
-- on episodes, level transitions and discharge, coded diagnoses, structured
-- assessments with the pathway recommendation and the clinician's decision,
-- versioned care plans, and the education given to patients.

-- An episode is enrolled in a program at a level of care. Episodes started
-- by a first measure have neither until someone enrols the patient.
ALTER TABLE episodes ADD COLUMN program TEXT;
ALTER TABLE episodes ADD COLUMN level TEXT;
ALTER TABLE episodes ADD COLUMN enrolled_by BLOB;
ALTER TABLE episodes ADD COLUMN discharge_reason TEXT;
ALTER TABLE episodes ADD COLUMN discharge_summary TEXT;
ALTER TABLE episodes ADD COLUMN discharged_by BLOB;

-- One change of level of care within an episode.
CREATE TABLE episode_transitions (
    org_id      BLOB NOT NULL,
    id          BLOB NOT NULL,
    episode_id  BLOB NOT NULL,
    patient_id  BLOB NOT NULL,
    on_date     TEXT NOT NULL,
    from_level  TEXT NOT NULL,
    to_level    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    recorded_by BLOB NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, episode_id) REFERENCES episodes (org_id, id)
);
CREATE INDEX episode_transitions_by_episode ON episode_transitions (org_id, episode_id, on_date);

-- A coded diagnosis (FHIR Condition). `code` is ICD-10-CM from the
-- content list; `rank` is primary or secondary; `clinical_status` active,
-- remission or resolved.
CREATE TABLE conditions (
    org_id          BLOB NOT NULL,
    id              BLOB NOT NULL,
    patient_id      BLOB NOT NULL,
    code            TEXT NOT NULL,
    display         TEXT NOT NULL,
    rank            TEXT NOT NULL,
    onset_on        TEXT,
    clinical_status TEXT NOT NULL,
    note            TEXT,
    recorded_by     BLOB,
    recorded_at     TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
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
    org_id           BLOB NOT NULL,
    id               BLOB NOT NULL,
    patient_id       BLOB NOT NULL,
    episode_id       BLOB,
    body             TEXT NOT NULL,
    asam             TEXT,
    recommendation   TEXT,
    decision         TEXT,
    decision_pathway TEXT,
    decision_reason  TEXT,
    decided_by       BLOB,
    decided_at       TEXT,
    created_by       BLOB NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX assessments_by_patient ON assessments (org_id, patient_id, created_at);

-- A patient's care plan. Its content lives in versions; `current_version`
-- is the latest. One active plan per patient.
CREATE TABLE care_plans (
    org_id          BLOB NOT NULL,
    id              BLOB NOT NULL,
    patient_id      BLOB NOT NULL,
    episode_id      BLOB,
    status          TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE UNIQUE INDEX care_plans_one_active ON care_plans (org_id, patient_id) WHERE status = 'active';

-- Every change to a plan is a new version: its whole content (`body`, JSON),
-- who made it, when and why. A signed version is locked; the patient's
-- agreement is recorded against a version.
CREATE TABLE care_plan_versions (
    org_id             BLOB NOT NULL,
    plan_id            BLOB NOT NULL,
    version            INTEGER NOT NULL,
    patient_id         BLOB NOT NULL,
    body               TEXT NOT NULL,
    reason             TEXT NOT NULL,
    author             BLOB NOT NULL,
    created_at         TEXT NOT NULL,
    signed_by          BLOB,
    signed_at          TEXT,
    patient_agreed_at  TEXT,
    agreement_note     TEXT,
    agreement_recorded_by BLOB,
    PRIMARY KEY (org_id, plan_id, version),
    FOREIGN KEY (org_id, plan_id) REFERENCES care_plans (org_id, id)
);

-- Goals are addressable FHIR resources whose content lives in plan
-- versions; this maps a goal id to its plan and patient.
CREATE TABLE care_plan_goals (
    org_id     BLOB NOT NULL,
    id         BLOB NOT NULL,
    plan_id    BLOB NOT NULL,
    patient_id BLOB NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, plan_id) REFERENCES care_plans (org_id, id)
);
CREATE INDEX care_plan_goals_by_patient ON care_plan_goals (org_id, patient_id);

-- What education material was given to a patient, by whom and when.
CREATE TABLE education_given (
    org_id       BLOB NOT NULL,
    id           BLOB NOT NULL,
    patient_id   BLOB NOT NULL,
    material     TEXT NOT NULL,
    plan_version INTEGER,
    given_by     BLOB NOT NULL,
    given_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX education_given_by_patient ON education_given (org_id, patient_id, given_at);
