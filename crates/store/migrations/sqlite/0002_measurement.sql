-- Measurement-based care (SQLite): episodes, responses, score observations,
-- per-instrument status, the registry's per-patient status, flags,
-- acknowledgements and notifications.

-- An episode of care. The measurement baseline belongs to the open episode.
CREATE TABLE episodes (
    org_id     BLOB NOT NULL,
    id         BLOB NOT NULL,
    patient_id BLOB NOT NULL,
    started_on TEXT NOT NULL,
    ended_on   TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE UNIQUE INDEX episodes_one_open ON episodes (org_id, patient_id) WHERE ended_on IS NULL;

-- One completed questionnaire. `answers` is a JSON object linkId -> answer
-- code; `hits` a JSON array of the flags it raised.
CREATE TABLE responses (
    org_id         BLOB NOT NULL,
    id             BLOB NOT NULL,
    patient_id     BLOB NOT NULL,
    episode_id     BLOB NOT NULL,
    instrument     TEXT NOT NULL,
    authored       TEXT NOT NULL,
    answers        TEXT NOT NULL,
    total          INTEGER,
    severity       TEXT,
    interpretation TEXT,
    band_model     TEXT,
    hits           TEXT NOT NULL,
    source         TEXT NOT NULL,
    recorded_by    BLOB,
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id),
    FOREIGN KEY (org_id, episode_id) REFERENCES episodes (org_id, id)
);
CREATE INDEX responses_by_patient ON responses (org_id, patient_id, instrument, authored);
CREATE INDEX responses_by_episode ON responses (org_id, episode_id, instrument, authored);

-- Scores derived from a response (FHIR Observation).
CREATE TABLE observations (
    org_id         BLOB NOT NULL,
    id             BLOB NOT NULL,
    patient_id     BLOB NOT NULL,
    response_id    BLOB NOT NULL,
    instrument     TEXT NOT NULL,
    code_system    TEXT NOT NULL,
    code           TEXT NOT NULL,
    display        TEXT NOT NULL,
    value          INTEGER NOT NULL,
    effective      TEXT NOT NULL,
    interpretation TEXT,
    subscale       TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, response_id) REFERENCES responses (org_id, id)
);
CREATE INDEX observations_by_patient ON observations (org_id, patient_id, code, effective);
CREATE INDEX observations_by_response ON observations (org_id, response_id);

-- Where a patient stands on one instrument in the open episode; rewritten
-- in the transaction of each new response.
CREATE TABLE measure_status (
    org_id                BLOB NOT NULL,
    patient_id            BLOB NOT NULL,
    instrument            TEXT NOT NULL,
    episode_id            BLOB NOT NULL,
    responses             INTEGER NOT NULL,
    baseline_score        INTEGER,
    baseline_on           TEXT NOT NULL,
    latest_score          INTEGER,
    latest_on             TEXT NOT NULL,
    latest_response_id    BLOB NOT NULL,
    latest_severity       TEXT,
    latest_interpretation TEXT,
    change                INTEGER,
    percent_change        REAL,
    weeks                 INTEGER NOT NULL,
    status                TEXT,
    hits                  TEXT NOT NULL,
    PRIMARY KEY (org_id, patient_id, instrument),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);

-- The registry: one row per patient with an open episode, rewritten in the
-- transaction of each new response or flag change, so reading the registry
-- never rescans history. The name and MRN are copies kept in step with
-- `patients` (the store updates both in one transaction): sorting and paging
-- a clinic of 100,000 then reads one index, with no join.
CREATE TABLE patient_status (
    org_id           BLOB NOT NULL,
    patient_id       BLOB NOT NULL,
    episode_id       BLOB NOT NULL,
    family_name      TEXT NOT NULL,
    given_names      TEXT NOT NULL,
    mrn              TEXT NOT NULL,
    episode_start    TEXT NOT NULL,
    last_measured_on TEXT,
    phq9_score       INTEGER,
    phq9_change      INTEGER,
    phq9_severity    TEXT,
    phq9_status      TEXT,
    gad7_score       INTEGER,
    gad7_change      INTEGER,
    gad7_severity    TEXT,
    gad7_status      TEXT,
    status           TEXT,
    status_rank      INTEGER NOT NULL,
    flags            INTEGER NOT NULL,
    urgency          INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
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
    org_id       BLOB NOT NULL,
    id           BLOB NOT NULL,
    patient_id   BLOB NOT NULL,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT,
    raised_at    TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE UNIQUE INDEX flags_one_active ON flags (org_id, patient_id, kind) WHERE status = 'active';
CREATE INDEX flags_by_patient ON flags (org_id, patient_id, status);

CREATE TABLE flag_acknowledgements (
    org_id  BLOB NOT NULL,
    id      BLOB NOT NULL,
    flag_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    note    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, flag_id) REFERENCES flags (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX flag_acknowledgements_by_flag ON flag_acknowledgements (org_id, flag_id);

-- A safety flag reaches every care-team member here.
CREATE TABLE notifications (
    org_id     BLOB NOT NULL,
    id         BLOB NOT NULL,
    user_id    BLOB NOT NULL,
    patient_id BLOB NOT NULL,
    flag_id    BLOB NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, flag_id) REFERENCES flags (org_id, id)
);
CREATE INDEX notifications_by_user ON notifications (org_id, user_id, created_at);
