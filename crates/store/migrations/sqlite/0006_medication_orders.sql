-- Medication orders (SQLite): each order with its full dose history, and the
-- findings of the safety check made when it was placed or its dose changed.

-- A medication order (FHIR MedicationRequest). `rxcui` is the catalog's
-- ingredient code (an alias chosen at ordering is stored as its ingredient).
-- `status` is active, on-hold or stopped; an active order whose taper ends
-- (`ends_on`) reads as completed from that day. `daily_dose`/`dose_unit`,
-- `frequency` and `sig` are the dose in force as last changed; the history
-- is in medication_order_steps. `facts` is JSON: what the prescriber
-- documented on the order for the check (drug screen, creatinine clearance,
-- disulfiram consent, QTc, …) where Tandem records it nowhere else yet.
CREATE TABLE medication_orders (
    org_id              BLOB NOT NULL,
    id                  BLOB NOT NULL,
    patient_id          BLOB NOT NULL,
    rxcui               INTEGER NOT NULL,
    drug_name           TEXT NOT NULL,
    daily_dose          REAL NOT NULL,
    dose_unit           TEXT NOT NULL,
    route               TEXT NOT NULL,
    frequency           TEXT NOT NULL,
    sig                 TEXT NOT NULL,
    start_on            TEXT NOT NULL,
    indication_id       BLOB,
    cross_taper         INTEGER NOT NULL,
    first_day_total     REAL,
    first_day_justified INTEGER NOT NULL,
    induction           INTEGER NOT NULL,
    induction_cows      INTEGER,
    facts               TEXT NOT NULL,
    status              TEXT NOT NULL,
    status_reason       TEXT,
    stopped_on          TEXT,
    ends_on             TEXT,
    prescriber          BLOB NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX medication_orders_by_patient ON medication_orders (org_id, patient_id, status);

-- Every step of an order's history, never rewritten: the start, each
-- titration or dated taper step, holds, resumes and the discontinuation,
-- with the date it takes effect, the dose (for dose steps), who and why.
CREATE TABLE medication_order_steps (
    org_id       BLOB NOT NULL,
    id           BLOB NOT NULL,
    order_id     BLOB NOT NULL,
    patient_id   BLOB NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    daily_dose   REAL,
    dose_unit    TEXT,
    reason       TEXT,
    recorded_by  BLOB NOT NULL,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE UNIQUE INDEX medication_order_steps_by_order ON medication_order_steps (org_id, order_id, seq);

-- A finding of the safety check (FHIR DetectedIssue), kept with the order
-- placed or changed. `severity` is contraindicated, high, moderate or low;
-- `drugs` and `implicated` are JSON arrays (drug names; the other orders
-- involved); `override_reason` is set when a contraindication was
-- overridden.
CREATE TABLE detected_issues (
    org_id          BLOB NOT NULL,
    id              BLOB NOT NULL,
    patient_id      BLOB NOT NULL,
    order_id        BLOB NOT NULL,
    step_id         BLOB,
    severity        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    drugs           TEXT NOT NULL,
    detail          TEXT NOT NULL,
    advice          TEXT NOT NULL,
    source          TEXT NOT NULL,
    verified        INTEGER NOT NULL,
    implicated      TEXT NOT NULL,
    override_reason TEXT,
    identified_by   BLOB NOT NULL,
    identified_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX detected_issues_by_patient ON detected_issues (org_id, patient_id, identified_at);
CREATE INDEX detected_issues_by_order ON detected_issues (org_id, order_id);
