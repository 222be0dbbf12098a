-- Opioid treatment program dosing (SQLite): the daily dosing log, the
-- practitioner's review of the take-home criteria, and the take-home days
-- granted.

-- One line of the daily dosing log (FHIR MedicationAdministration) against
-- a methadone or buprenorphine order. `kind` is observed, take_home or
-- missed; a missed day has no amount. A split dose is `part` of `parts`
-- (1 of 1 when not split). The unique index is the rule "one record per
-- patient, drug and day", split parts apart.
CREATE TABLE otp_doses (
    org_id      BLOB NOT NULL,
    id          BLOB NOT NULL,
    patient_id  BLOB NOT NULL,
    order_id    BLOB NOT NULL,
    rxcui       INTEGER NOT NULL,
    dose_on     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount      REAL,
    dose_unit   TEXT,
    part        INTEGER NOT NULL,
    parts       INTEGER NOT NULL,
    given_at    TEXT,
    note        TEXT,
    recorded_by BLOB NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE UNIQUE INDEX otp_doses_one_a_day ON otp_doses (org_id, patient_id, rxcui, dose_on, part);

-- The practitioner's review of the take-home criteria (42 CFR 8.12(i)(2))
-- for one order. `criteria` is JSON: each criterion's id, met or not, and
-- the note. The latest review counts.
CREATE TABLE take_home_reviews (
    org_id      BLOB NOT NULL,
    id          BLOB NOT NULL,
    patient_id  BLOB NOT NULL,
    order_id    BLOB NOT NULL,
    criteria    TEXT NOT NULL,
    reviewed_by BLOB NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX take_home_reviews_by_order ON take_home_reviews (org_id, order_id, reviewed_at);

-- A date of a take-home schedule. The days granted together share
-- `grant_id`; `closure` marks a dose for a day the clinic is closed, which
-- the ceiling does not count. `days_in_treatment` is the day of the grant.
CREATE TABLE take_home_days (
    org_id            BLOB NOT NULL,
    id                BLOB NOT NULL,
    grant_id          BLOB NOT NULL,
    patient_id        BLOB NOT NULL,
    order_id          BLOB NOT NULL,
    rxcui             INTEGER NOT NULL,
    dose_on           TEXT NOT NULL,
    closure           INTEGER NOT NULL,
    days_in_treatment INTEGER NOT NULL,
    granted_by        BLOB NOT NULL,
    granted_at        TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE UNIQUE INDEX take_home_days_one_a_day ON take_home_days (org_id, patient_id, rxcui, dose_on);
