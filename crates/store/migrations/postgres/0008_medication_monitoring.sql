-- Medication monitoring (PostgreSQL): lab results, urine drug screens, side
-- effects and adherence, recorded between visits.

-- A lab result (FHIR Observation, category laboratory). `analyte` is
-- Tandem's code (lithium, valproate, creatinine-clearance, anc, qtc);
-- `unit` is the unit it was recorded in; `effective_at` when the sample was
-- taken or the ECG read.
CREATE TABLE lab_results (
    org_id       uuid NOT NULL,
    id           uuid NOT NULL,
    patient_id   uuid NOT NULL,
    analyte      text NOT NULL,
    value        double precision NOT NULL,
    unit         text NOT NULL,
    effective_at timestamptz NOT NULL,
    recorded_by  uuid NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX lab_results_by_patient ON lab_results (org_id, patient_id, analyte, effective_at);

-- A urine drug screen panel (FHIR Observation with components): one
-- column per substance, each positive, negative or not-tested.
CREATE TABLE drug_screens (
    org_id          uuid NOT NULL,
    id              uuid NOT NULL,
    patient_id      uuid NOT NULL,
    collected_at    timestamptz NOT NULL,
    opioids         text NOT NULL,
    fentanyl        text NOT NULL,
    buprenorphine   text NOT NULL,
    methadone       text NOT NULL,
    benzodiazepines text NOT NULL,
    cocaine         text NOT NULL,
    amphetamines    text NOT NULL,
    cannabis        text NOT NULL,
    alcohol         text NOT NULL,
    recorded_by     uuid NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX drug_screens_by_patient ON drug_screens (org_id, patient_id, collected_at);

-- One side effect noted against an order: a checklist code (`effect`) or
-- free text (`effect` = 'other', `other_text` set), with its severity.
CREATE TABLE side_effects (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL,
    patient_id  uuid NOT NULL,
    order_id    uuid NOT NULL,
    effect      text NOT NULL,
    other_text  text,
    severity    text NOT NULL,
    noted_on    date NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX side_effects_by_patient ON side_effects (org_id, patient_id, noted_on);

-- Doses missed in the week ending `week_ending`, against an order;
-- `expected` is the count the order's frequency gave when reported.
-- `reporter` is patient or clinician.
CREATE TABLE adherence_reports (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL,
    patient_id  uuid NOT NULL,
    order_id    uuid NOT NULL,
    week_ending date NOT NULL,
    missed      bigint NOT NULL,
    expected    bigint NOT NULL,
    reporter    text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX adherence_reports_by_patient ON adherence_reports (org_id, patient_id, week_ending);
