-- Medication monitoring (SQLite): lab results, urine drug screens, side
-- effects and adherence, recorded between visits.

-- A lab result (FHIR Observation, category laboratory). `analyte` is
-- Tandem's code (lithium, valproate, creatinine-clearance, anc, qtc);
-- `unit` is the unit it was recorded in; `effective_at` when the sample was
-- taken or the ECG read.
CREATE TABLE lab_results (
    org_id       BLOB NOT NULL,
    id           BLOB NOT NULL,
    patient_id   BLOB NOT NULL,
    analyte      TEXT NOT NULL,
    value        REAL NOT NULL,
    unit         TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    recorded_by  BLOB NOT NULL,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX lab_results_by_patient ON lab_results (org_id, patient_id, analyte, effective_at);

-- A urine drug screen panel (FHIR Observation with components): one
-- column per substance, each positive, negative or not-tested.
CREATE TABLE drug_screens (
    org_id          BLOB NOT NULL,
    id              BLOB NOT NULL,
    patient_id      BLOB NOT NULL,
    collected_at    TEXT NOT NULL,
    opioids         TEXT NOT NULL,
    fentanyl        TEXT NOT NULL,
    buprenorphine   TEXT NOT NULL,
    methadone       TEXT NOT NULL,
    benzodiazepines TEXT NOT NULL,
    cocaine         TEXT NOT NULL,
    amphetamines    TEXT NOT NULL,
    cannabis        TEXT NOT NULL,
    alcohol         TEXT NOT NULL,
    recorded_by     BLOB NOT NULL,
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX drug_screens_by_patient ON drug_screens (org_id, patient_id, collected_at);

-- One side effect noted against an order: a checklist code (`effect`) or
-- free text (`effect` = 'other', `other_text` set), with its severity.
CREATE TABLE side_effects (
    org_id      BLOB NOT NULL,
    id          BLOB NOT NULL,
    patient_id  BLOB NOT NULL,
    order_id    BLOB NOT NULL,
    effect      TEXT NOT NULL,
    other_text  TEXT,
    severity    TEXT NOT NULL,
    noted_on    TEXT NOT NULL,
    recorded_by BLOB NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX side_effects_by_patient ON side_effects (org_id, patient_id, noted_on);

-- Doses missed in the week ending `week_ending`, against an order;
-- `expected` is the count the order's frequency gave when reported.
-- `reporter` is patient or clinician.
CREATE TABLE adherence_reports (
    org_id      BLOB NOT NULL,
    id          BLOB NOT NULL,
    patient_id  BLOB NOT NULL,
    order_id    BLOB NOT NULL,
    week_ending TEXT NOT NULL,
    missed      INTEGER NOT NULL,
    expected    INTEGER NOT NULL,
    reporter    TEXT NOT NULL,
    recorded_by BLOB NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX adherence_reports_by_patient ON adherence_reports (org_id, patient_id, week_ending);
