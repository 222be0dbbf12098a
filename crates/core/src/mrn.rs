//! Medical record numbers: a clinic-wide sequence with a Luhn check digit, so
//! a mistyped MRN is caught before it finds the wrong patient.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A medical record number, e.g. `1000018`: six or more digits then a check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mrn(String);

/// MRNs start here so they all have the same width for a long while.
pub const FIRST_SEQUENCE: i64 = 100_000;

impl Mrn {
    /// The MRN for the `seq`-th patient of an organization.
    pub fn from_sequence(seq: i64) -> Self {
        let body = (FIRST_SEQUENCE + seq.max(0)).to_string();
        let check = luhn_check_digit(&body);
        Mrn(format!("{body}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn luhn_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Why a string is not an MRN.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MrnError {
    #[error("an MRN is 7 to 12 digits")]
    Shape,
    #[error("this MRN's check digit does not match; it may be mistyped")]
    CheckDigit,
}

impl FromStr for Mrn {
    type Err = MrnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !(7..=12).contains(&s.len()) || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(MrnError::Shape);
        }
        let (body, check) = s.split_at(s.len() - 1);
        if check.chars().next().and_then(|c| c.to_digit(10)) != Some(luhn_check_digit(body)) {
            return Err(MrnError::CheckDigit);
        }
        Ok(Mrn(s.to_string()))
    }
}

impl fmt::Display for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_mrn_is_seven_digits_with_a_valid_check() {
        let m = Mrn::from_sequence(1);
        assert_eq!(m.as_str().len(), 7);
        assert_eq!(m.as_str().parse::<Mrn>(), Ok(m.clone()));
        assert_eq!(&m.as_str()[..6], "100001");
    }

    #[test]
    fn known_luhn_digit() {
        // The classic Luhn example: 7992739871 has check digit 3.
        assert_eq!(luhn_check_digit("7992739871"), 3);
    }

    #[test]
    fn bad_mrns_are_refused() {
        assert_eq!("12".parse::<Mrn>(), Err(MrnError::Shape));
        assert_eq!("10000a1".parse::<Mrn>(), Err(MrnError::Shape));
        let good = Mrn::from_sequence(42).to_string();
        let mut bad = good.clone().into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'9' {
            b'0'
        } else {
            bad[last] + 1
        };
        assert_eq!(
            String::from_utf8(bad).unwrap().parse::<Mrn>(),
            Err(MrnError::CheckDigit)
        );
    }

    proptest! {
        #[test]
        fn every_generated_mrn_parses(seq in 0i64..100_000_000) {
            let m = Mrn::from_sequence(seq);
            prop_assert_eq!(m.as_str().parse::<Mrn>(), Ok(m.clone()));
        }

        #[test]
        fn a_single_digit_typo_is_caught(seq in 0i64..1_000_000, pos in 0usize..6, delta in 1u8..10) {
            let m = Mrn::from_sequence(seq).to_string();
            let mut b = m.into_bytes();
            b[pos] = b'0' + ((b[pos] - b'0' + delta) % 10);
            let typo = String::from_utf8(b).unwrap();
            prop_assert!(typo.parse::<Mrn>().is_err());
        }
    }
}
