-- Measurement-based care (PostgreSQL): episodes, responses, score observations,
-- per-instrument status, the registry's per-patient status, flags,
-- acknowledgements and notifications.

-- An episode of care. The measurement baseline belongs to the open episode.
CREATE TABLE episodes (
    org_id     uuid NOT NULL,
    id         uuid NOT NULL,
    patient_id uuid NOT NULL,
    started_on date NOT NULL,
    ended_on   date,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE UNIQUE INDEX episodes_one_open ON episodes (org_id, patient_id) WHERE ended_on IS NULL;

-- One completed questionnaire. `answers` is a JSON object linkId -> answer
-- code; `hits` a JSON array of the flags it raised.
CREATE TABLE responses (
    org_id         uuid NOT NULL,
    id             uuid NOT NULL,
    patient_id     uuid NOT NULL,
    episode_id     uuid NOT NULL,
    instrument     text NOT NULL,
    authored       timestamptz NOT NULL,
    answers        text NOT NULL,
    total          integer,
    severity       text,
    interpretation text,
    band_model     text,
    hits           text NOT NULL,
    source         text NOT NULL,
    recorded_by    uuid,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id),
    FOREIGN KEY (org_id, episode_id) REFERENCES episodes (org_id, id)
);
CREATE INDEX responses_by_patient ON responses (org_id, patient_id, instrument, authored);
CREATE INDEX responses_by_episode ON responses (org_id, episode_id, instrument, authored);

-- Scores derived from a response (FHIR Observation).
CREATE TABLE observations (
    org_id         uuid NOT NULL,
    id             uuid NOT NULL,
    patient_id     uuid NOT NULL,
    response_id    uuid NOT NULL,
    instrument     text NOT NULL,
    code_system    text NOT NULL,
    code           text NOT NULL,
    display        text NOT NULL,
    value          integer NOT NULL,
    effective      timestamptz NOT NULL,
    interpretation text,
    subscale       text,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, response_id) REFERENCES responses (org_id, id)
);
CREATE INDEX observations_by_patient ON observations (org_id, patient_id, code, effective);
CREATE INDEX observations_by_response ON observations (org_id, response_id);

-- Where a patient stands on one instrument in the open episode; rewritten
-- in the transaction of each new response.
CREATE TABLE measure_status (
    org_id                uuid NOT NULL,
    patient_id            uuid NOT NULL,
    instrument            text NOT NULL,
    episode_id            uuid NOT NULL,
    responses             bigint NOT NULL,
    baseline_score        integer,
    baseline_on           date NOT NULL,
    latest_score          integer,
    latest_on             date NOT NULL,
    latest_response_id    uuid NOT NULL,
    latest_severity       text,
    latest_interpretation text,
    change                integer,
    percent_change        double precision,
    weeks                 bigint NOT NULL,
    status                text,
    hits                  text NOT NULL,
    PRIMARY KEY (org_id, patient_id, instrument),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);

-- The registry: one row per patient with an open episode, rewritten in the
-- transaction of each new response or flag change, so reading the registry
-- never rescans history. The name and MRN are copies kept in step with
-- `patients` (the store updates both in one transaction): sorting and paging
-- a clinic of 100,000 then reads one index, with no join.
CREATE TABLE patient_status (
    org_id           uuid NOT NULL,
    patient_id       uuid NOT NULL,
    episode_id       uuid NOT NULL,
    family_name      text NOT NULL,
    given_names      text NOT NULL,
    mrn              text NOT NULL,
    episode_start    date NOT NULL,
    last_measured_on date,
    phq9_score       integer,
    phq9_change      integer,
    phq9_severity    text,
    phq9_status      text,
    gad7_score       integer,
    gad7_change      integer,
    gad7_severity    text,
    gad7_status      text,
    status           text,
    status_rank      integer NOT NULL,
    flags            bigint NOT NULL,
    urgency          bigint NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (org_id, patient_id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX patient_status_urgency ON patient_status (org_id, urgency DESC, family_name, given_names, mrn);
CREATE INDEX patient_status_name ON patient_status (org_id, family_name, given_names, mrn);
CREATE INDEX patient_status_last ON patient_status (org_id, last_measured_on);
-- Covers the counts of the flag and status filters.
CREATE INDEX patient_status_flags ON patient_status (org_id, flags, status);

-- Flags (FHIR Flag). At most one active flag of a kind per patient.
CREATE TABLE flags (
    org_id       uuid NOT NULL,
    id           uuid NOT NULL,
    patient_id   uuid NOT NULL,
    kind         text NOT NULL,
    status       text NOT NULL,
    reason       text NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz,
    raised_at    timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    version      bigint NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE UNIQUE INDEX flags_one_active ON flags (org_id, patient_id, kind) WHERE status = 'active';
CREATE INDEX flags_by_patient ON flags (org_id, patient_id, status);

CREATE TABLE flag_acknowledgements (
    org_id  uuid NOT NULL,
    id      uuid NOT NULL,
    flag_id uuid NOT NULL,
    user_id uuid NOT NULL,
    note    text NOT NULL,
    at      timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, flag_id) REFERENCES flags (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX flag_acknowledgements_by_flag ON flag_acknowledgements (org_id, flag_id);

-- A safety flag reaches every care-team member here.
CREATE TABLE notifications (
    org_id     uuid NOT NULL,
    id         uuid NOT NULL,
    user_id    uuid NOT NULL,
    patient_id uuid NOT NULL,
    flag_id    uuid NOT NULL,
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, flag_id) REFERENCES flags (org_id, id)
);
CREATE INDEX notifications_by_user ON notifications (org_id, user_id, created_at);
