-- Medication orders (PostgreSQL): each order with its full dose history, and the
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
    org_id              uuid NOT NULL,
    id                  uuid NOT NULL,
    patient_id          uuid NOT NULL,
    rxcui               bigint NOT NULL,
    drug_name           text NOT NULL,
    daily_dose          double precision NOT NULL,
    dose_unit           text NOT NULL,
    route               text NOT NULL,
    frequency           text NOT NULL,
    sig                 text NOT NULL,
    start_on            date NOT NULL,
    indication_id       uuid,
    cross_taper         boolean NOT NULL,
    first_day_total     double precision,
    first_day_justified boolean NOT NULL,
    induction           boolean NOT NULL,
    induction_cows      integer,
    facts               text NOT NULL,
    status              text NOT NULL,
    status_reason       text,
    stopped_on          date,
    ends_on             date,
    prescriber          uuid NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             bigint NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, patient_id) REFERENCES patients (org_id, id)
);
CREATE INDEX medication_orders_by_patient ON medication_orders (org_id, patient_id, status);

-- Every step of an order's history, never rewritten: the start, each
-- titration or dated taper step, holds, resumes and the discontinuation,
-- with the date it takes effect, the dose (for dose steps), who and why.
CREATE TABLE medication_order_steps (
    org_id       uuid NOT NULL,
    id           uuid NOT NULL,
    order_id     uuid NOT NULL,
    patient_id   uuid NOT NULL,
    seq          bigint NOT NULL,
    kind         text NOT NULL,
    effective_on date NOT NULL,
    daily_dose   double precision,
    dose_unit    text,
    reason       text,
    recorded_by  uuid NOT NULL,
    recorded_at  timestamptz NOT NULL,
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
    org_id          uuid NOT NULL,
    id              uuid NOT NULL,
    patient_id      uuid NOT NULL,
    order_id        uuid NOT NULL,
    step_id         uuid,
    severity        text NOT NULL,
    kind            text NOT NULL,
    rule_id         text NOT NULL,
    drugs           text NOT NULL,
    detail          text NOT NULL,
    advice          text NOT NULL,
    source          text NOT NULL,
    verified        boolean NOT NULL,
    implicated      text NOT NULL,
    override_reason text,
    identified_by   uuid NOT NULL,
    identified_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, order_id) REFERENCES medication_orders (org_id, id)
);
CREATE INDEX detected_issues_by_patient ON detected_issues (org_id, patient_id, identified_at);
CREATE INDEX detected_issues_by_order ON detected_issues (org_id, order_id);
