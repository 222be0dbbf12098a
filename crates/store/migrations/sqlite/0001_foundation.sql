-- Foundation schema (SQLite). Every table carries org_id, and every primary
-- key starts with it, so a network of clinics can share one database and the
-- schema can later be distributed by organization. Ids are UUIDs (16-byte
-- BLOBs here, uuid in PostgreSQL); instants are UTC text; dates are
-- YYYY-MM-DD text.

CREATE TABLE organizations (
    org_id     BLOB NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE org_counters (
    org_id BLOB NOT NULL REFERENCES organizations (org_id),
    name   TEXT NOT NULL,
    value  INTEGER NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE users (
    org_id        BLOB NOT NULL REFERENCES organizations (org_id),
    id            BLOB NOT NULL,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, username)
);

CREATE TABLE sessions (
    org_id       BLOB NOT NULL REFERENCES organizations (org_id),
    id           BLOB NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BLOB NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

CREATE TABLE api_tokens (
    org_id       BLOB NOT NULL REFERENCES organizations (org_id),
    id           BLOB NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

CREATE TABLE patients (
    org_id                 BLOB NOT NULL REFERENCES organizations (org_id),
    id                     BLOB NOT NULL,
    mrn                    TEXT NOT NULL,
    family_name            TEXT NOT NULL,
    given_names            TEXT NOT NULL,
    preferred_name         TEXT,
    birth_date             TEXT NOT NULL,
    sex_at_birth           TEXT NOT NULL,
    gender                 TEXT NOT NULL,
    gender_identity        TEXT,
    pronouns               TEXT,
    preferred_language     TEXT,
    phone                  TEXT,
    address_line           TEXT,
    city                   TEXT,
    state                  TEXT,
    postal_code            TEXT,
    emergency_name         TEXT,
    emergency_relationship TEXT,
    emergency_phone        TEXT,
    version                INTEGER NOT NULL,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, mrn)
);
CREATE INDEX patients_birth_date ON patients (org_id, birth_date);

-- Words of every name, for prefix search through an index (kind: f family,
-- g given, p preferred).
CREATE TABLE patient_name_tokens (
    org_id     BLOB NOT NULL,
    token      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    patient_id BLOB NOT NULL,
    PRIMARY KEY (org_id, token, kind, patient_id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX patient_name_tokens_patient ON patient_name_tokens (org_id, patient_id);

CREATE TABLE care_team_members (
    org_id     BLOB NOT NULL,
    id         BLOB NOT NULL,
    patient_id BLOB NOT NULL,
    user_id    BLOB NOT NULL,
    role       TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date   TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX care_team_by_user ON care_team_members (org_id, user_id, patient_id);
CREATE INDEX care_team_by_patient ON care_team_members (org_id, patient_id);

CREATE TABLE break_glass_grants (
    org_id     BLOB NOT NULL,
    id         BLOB NOT NULL,
    user_id    BLOB NOT NULL,
    patient_id BLOB NOT NULL,
    reason     TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX break_glass_by_user ON break_glass_grants (org_id, user_id, patient_id);

-- The audit log: append-only, hash-chained per organization.
CREATE TABLE audit_log (
    org_id     BLOB NOT NULL,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor_id   BLOB,
    actor      TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    channel    TEXT NOT NULL,
    action     TEXT NOT NULL,
    patient_id BLOB,
    resource   TEXT,
    purpose    TEXT,
    detail     TEXT,
    outcome    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_by_patient ON audit_log (org_id, patient_id, seq);
CREATE INDEX audit_by_actor ON audit_log (org_id, actor_id, seq);
CREATE INDEX audit_by_time ON audit_log (org_id, at);

-- The chain's head: the last entry's sequence number and hash. Updated in the
-- same transaction as each append, so removing entries from the end shows.
CREATE TABLE audit_head (
    org_id BLOB NOT NULL PRIMARY KEY,
    seq    INTEGER NOT NULL,
    hash   TEXT NOT NULL
);
