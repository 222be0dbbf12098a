//! `tandem score`: scores a CSV of responses with the instrument library,
//! no database involved. One row in, the same row out with the scores added.

use anyhow::{Context as _, Result, bail};
use std::io::{Read, Write};
use tandem_core::instrument::scoring::{Context, RuleOutcome};
use tandem_core::instrument::{Answers, Instrument, Library, score};
use tandem_core::patient::SexAtBirth;

/// The shipped instrument library; a bad file is reported by name.
pub fn library() -> Result<Library> {
    Library::from_files(tandem_content::INSTRUMENTS.iter().copied())
        .map_err(|e| anyhow::anyhow!("instrument file {e}"))
}

/// Scores every row; returns how many rows could not be scored.
pub fn run(
    inst: &Instrument,
    band_model: Option<&str>,
    input: impl Read,
    output: impl Write,
) -> Result<usize> {
    if let Some(m) = band_model
        && inst.band_model(Some(m)).is_none()
    {
        let known: Vec<&str> = inst.band_models.iter().map(|b| b.id.as_str()).collect();
        bail!(
            "{} has no band model {m:?} (it has: {})",
            inst.name,
            known.join(", ")
        );
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = rdr.headers().context("cannot read the CSV header")?.clone();
    let item_cols: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| inst.item(h).is_some())
        .map(|(i, h)| (i, h.to_string()))
        .collect();
    if item_cols.is_empty() {
        let ids: Vec<&str> = inst.items.iter().map(|i| i.id.as_str()).collect();
        bail!(
            "no column of the CSV header is an item of {} (item columns are named by linkId: {})",
            inst.name,
            ids.join(", ")
        );
    }
    let sex_col = headers.iter().position(|h| h.eq_ignore_ascii_case("sex"));
    let mut out_headers: Vec<String> = headers.iter().map(str::to_string).collect();
    if inst.total.is_some() {
        out_headers.push("total".into());
    }
    if inst.band_model(band_model).is_some() {
        out_headers.push("band".into());
    }
    out_headers.extend(inst.subscales.iter().map(|s| format!("subscale_{}", s.id)));
    out_headers.extend(inst.rules.iter().map(|r| r.id().to_string()));
    out_headers.push("critical".into());
    out_headers.push("note".into());
    out_headers.push("error".into());
    let mut wtr = csv::Writer::from_writer(output);
    wtr.write_record(&out_headers)?;
    let mut failed = 0;
    for (n, row) in rdr.records().enumerate() {
        let row = row.with_context(|| format!("cannot read CSV row {}", n + 2))?;
        let answers: Answers = item_cols
            .iter()
            .filter_map(|(i, id)| {
                row.get(*i)
                    .filter(|v| !v.is_empty())
                    .map(|v| (id.clone(), v.to_string()))
            })
            .collect();
        let sex = match sex_col
            .and_then(|i| row.get(i))
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("female" | "f") => SexAtBirth::Female,
            Some("male" | "m") => SexAtBirth::Male,
            _ => SexAtBirth::Unknown,
        };
        let mut out: Vec<String> = row.iter().map(str::to_string).collect();
        let n_extra = out_headers.len() - out.len();
        match score(inst, &answers, Context { band_model, sex }) {
            Ok(s) => {
                if inst.total.is_some() {
                    out.push(s.total.map(|t| t.to_string()).unwrap_or_default());
                }
                if inst.band_model(band_model).is_some() {
                    out.push(s.band.map(|b| b.label).unwrap_or_default());
                }
                out.extend(s.subscales.iter().map(|x| x.score.to_string()));
                out.extend(s.rules.iter().map(|r| match &r.outcome {
                    RuleOutcome::Positive(true) => "positive".to_string(),
                    RuleOutcome::Positive(false) => "negative".to_string(),
                    RuleOutcome::Level { name, .. } => name.clone(),
                }));
                let mut flags: Vec<String> = s.critical.iter().map(|c| c.flag.clone()).collect();
                flags.dedup();
                out.push(flags.join(";"));
                let notes: Vec<String> = s.rules.iter().filter_map(|r| r.note.clone()).collect();
                out.push(notes.join(" "));
                out.push(String::new());
            }
            Err(errors) => {
                failed += 1;
                out.extend(std::iter::repeat_n(String::new(), n_extra - 1));
                let msg: Vec<String> = errors.iter().map(ToString::to_string).collect();
                out.push(msg.join("; "));
            }
        }
        wtr.write_record(&out)?;
    }
    wtr.flush()?;
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(csv_text: &str) -> (String, usize) {
        let lib = library().unwrap();
        let mut out = Vec::new();
        let failed = run(
            lib.get("phq9").unwrap(),
            None,
            csv_text.as_bytes(),
            &mut out,
        )
        .unwrap();
        (String::from_utf8(out).unwrap(), failed)
    }

    #[test]
    fn rows_get_total_band_and_the_critical_flag() {
        let (out, failed) =
            scored("id,1,2,3,4,5,6,7,8,9\nA,3,3,3,3,3,3,0,0,1\nB,0,0,0,0,0,0,0,0,0\n");
        assert_eq!(failed, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "id,1,2,3,4,5,6,7,8,9,total,band,screen,critical,note,error"
        );
        assert_eq!(
            lines[1],
            "A,3,3,3,3,3,3,0,0,1,19,Moderately severe,positive,suicide_risk,,"
        );
        assert_eq!(lines[2], "B,0,0,0,0,0,0,0,0,0,0,None–minimal,negative,,,");
    }

    #[test]
    fn bad_rows_are_marked_and_counted() {
        let (out, failed) =
            scored("id,1,2,3,4,5,6,7,8,9\nA,3,3,3,3,3,3,0,0,7\nB,1,1,1,1,1,1,1,1,\n");
        assert_eq!(failed, 2);
        // Messages quote item ids, which CSV doubles.
        assert!(
            out.contains(r#"item ""9"": ""7"" is not one of its answers"#),
            "{out}"
        );
        assert!(
            out.contains(r#"item ""9"" is required and was not answered"#),
            "{out}"
        );
    }

    #[test]
    fn unknown_sex_uses_the_sensitive_cut_off_and_says_so() {
        let lib = library().unwrap();
        let mut out = Vec::new();
        let csv_text = "id,sex,1,2,3\nF,female,1,1,1\nM,male,1,1,1\nU,,1,1,1\n";
        run(
            lib.get("auditc").unwrap(),
            None,
            csv_text.as_bytes(),
            &mut out,
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = out.lines().collect();
        assert!(rows[1].starts_with("F,female,1,1,1,3,positive,"));
        assert!(rows[2].starts_with("M,male,1,1,1,3,negative,"));
        assert!(
            rows[3].starts_with("U,,1,1,1,3,positive,") && rows[3].contains("more sensitive"),
            "{out}"
        );
    }

    #[test]
    fn a_header_without_items_is_refused() {
        let lib = library().unwrap();
        let e = run(
            lib.get("phq9").unwrap(),
            None,
            "a,b\n1,2\n".as_bytes(),
            Vec::new(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no column"));
    }
}
