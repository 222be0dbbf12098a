-- Opioid treatment program dosing (PostgreSQL): the daily dosing log, the
-- practitioner's review of the take-home criteria, and the take-home days
-- granted.

-- One line of the daily dosing log (FHIR MedicationAdministration) against
-- a methadone or buprenorphine order. `kind` is observed, take_home or
-- missed; a missed day has no amount. A split dose is `part` of `parts`
-- (1 of 1 when not split). The unique index is the rule "one record per
-- patient, drug and day", split parts apart.
CREATE TABLE otp_doses (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL,
    patient_id  uuid NOT NULL,
    order_id    uuid NOT NULL,
    rxcui       bigint NOT NULL,
    dose_on     date NOT NULL,
    kind        text NOT NULL,
    amount      double precision,
    dose_unit   text,
    part        integer NOT NULL,
    parts       integer NOT NULL,
    given_at    timestamptz,
    note        text,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE UNIQUE INDEX otp_doses_one_a_day ON otp_doses (org_id, patient_id, rxcui, dose_on, part);

-- The practitioner's review of the take-home criteria (42 CFR 8.12(i)(2))
-- for one order. `criteria` is JSON: each criterion's id, met or not, and
-- the note. The latest review counts.
CREATE TABLE take_home_reviews (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL,
    patient_id  uuid NOT NULL,
    order_id    uuid NOT NULL,
    criteria    text NOT NULL,
    reviewed_by uuid NOT NULL,
    reviewed_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX take_home_reviews_by_order ON take_home_reviews (org_id, order_id, reviewed_at);

-- A date of a take-home schedule. The days granted together share
-- `grant_id`; `closure` marks a dose for a day the clinic is closed, which
-- the ceiling does not count. `days_in_treatment` is the day of the grant.
CREATE TABLE take_home_days (
    org_id            uuid NOT NULL,
    id                uuid NOT NULL,
    grant_id          uuid NOT NULL,
    patient_id        uuid NOT NULL,
    order_id          uuid NOT NULL,
    rxcui             bigint NOT NULL,
    dose_on           date NOT NULL,
    closure           boolean NOT NULL,
    days_in_treatment integer NOT NULL,
    granted_by        uuid NOT NULL,
    granted_at        timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE UNIQUE INDEX take_home_days_one_a_day ON take_home_days (org_id, patient_id, rxcui, dose_on);
