-- The care plan's measurement schedule decides when a patient is overdue.
-- `measures_due_on` is the last day the patient is on time by the active
-- plan's schedule; NULL means no plan schedules measures and the clinic's
-- cadence applies (counted from `last_measured_on`). Kept in the same
-- transaction as every measure and every plan change, so the registry's
-- overdue filter reads one column.
ALTER TABLE patient_status ADD COLUMN measures_due_on date;
CREATE INDEX patient_status_due ON patient_status (org_id, measures_due_on);

-- The plans of a patient, newest first.
CREATE INDEX care_plans_by_patient ON care_plans (org_id, patient_id, created_at);
