-- Foundation schema (PostgreSQL). Every table carries org_id, and every
-- primary key starts with it, so a network of clinics can share one database
-- and the schema can later be distributed by organization (Citus). The
-- SQLite tree holds the same tables and columns; a test compares them.

CREATE TABLE organizations (
    org_id     uuid NOT NULL PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE org_counters (
    org_id uuid NOT NULL REFERENCES organizations (org_id),
    name   text NOT NULL,
    value  bigint NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE users (
    org_id        uuid NOT NULL REFERENCES organizations (org_id),
    id            uuid NOT NULL,
    username      text NOT NULL,
    display_name  text NOT NULL,
    role          text NOT NULL,
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    failed_logins bigint NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, username)
);

CREATE TABLE sessions (
    org_id       uuid NOT NULL REFERENCES organizations (org_id),
    id           uuid NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    user_id      uuid NOT NULL,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

CREATE TABLE api_tokens (
    org_id       uuid NOT NULL REFERENCES organizations (org_id),
    id           uuid NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    user_id      uuid NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);

CREATE TABLE patients (
    org_id                 uuid NOT NULL REFERENCES organizations (org_id),
    id                     uuid NOT NULL,
    mrn                    text NOT NULL,
    family_name            text NOT NULL,
    given_names            text NOT NULL,
    preferred_name         text,
    birth_date             date NOT NULL,
    sex_at_birth           text NOT NULL,
    gender                 text NOT NULL,
    gender_identity        text,
    pronouns               text,
    preferred_language     text,
    phone                  text,
    address_line           text,
    city                   text,
    state                  text,
    postal_code            text,
    emergency_name         text,
    emergency_relationship text,
    emergency_phone        text,
    version                bigint NOT NULL,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, mrn)
);
CREATE INDEX patients_birth_date ON patients (org_id, birth_date);

-- Words of every name, for prefix search through an index (kind: f family,
-- g given, p preferred).
CREATE TABLE patient_name_tokens (
    org_id     uuid NOT NULL,
    token      text COLLATE "C" NOT NULL,
    kind       text NOT NULL,
    patient_id uuid NOT NULL,
    PRIMARY KEY (org_id, token, kind, patient_id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX patient_name_tokens_patient ON patient_name_tokens (org_id, patient_id);

CREATE TABLE care_team_members (
    org_id     uuid NOT NULL,
    id         uuid NOT NULL,
    patient_id uuid NOT NULL,
    user_id    uuid NOT NULL,
    role       text NOT NULL,
    start_date date NOT NULL,
    end_date   date,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX care_team_by_user ON care_team_members (org_id, user_id, patient_id);
CREATE INDEX care_team_by_patient ON care_team_members (org_id, patient_id);

CREATE TABLE break_glass_grants (
    org_id     uuid NOT NULL,
    id         uuid NOT NULL,
    user_id    uuid NOT NULL,
    patient_id uuid NOT NULL,
    reason     text NOT NULL,
    granted_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX break_glass_by_user ON break_glass_grants (org_id, user_id, patient_id);

-- The audit log: append-only, hash-chained per organization.
CREATE TABLE audit_log (
    org_id     uuid NOT NULL,
    seq        bigint NOT NULL,
    at         timestamptz NOT NULL,
    actor_id   uuid,
    actor      text NOT NULL,
    actor_role text NOT NULL,
    channel    text NOT NULL,
    action     text NOT NULL,
    patient_id uuid,
    resource   text,
    purpose    text,
    detail     text,
    outcome    text NOT NULL,
    prev_hash  text NOT NULL,
    hash       text NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_by_patient ON audit_log (org_id, patient_id, seq);
CREATE INDEX audit_by_actor ON audit_log (org_id, actor_id, seq);
CREATE INDEX audit_by_time ON audit_log (org_id, at);

-- The chain's head: the last entry's sequence number and hash. Updated in the
-- same transaction as each append, so removing entries from the end shows.
CREATE TABLE audit_head (
    org_id uuid NOT NULL PRIMARY KEY,
    seq    bigint NOT NULL,
    hash   text NOT NULL
);
