//! FHIR's textual forms of dates and instants.
//!
//! Written by hand rather than with `time`'s RFC 3339 formatter because FHIR
//! wants a four-digit year and at most microseconds, which is what the
//! databases keep.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A FHIR `date`: `YYYY-MM-DD`.
pub(crate) fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A FHIR `instant` (also a valid `dateTime`) in UTC, to the microsecond.
pub(crate) fn instant(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let micros = t.microsecond();
    let fraction = if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    };
    format!(
        "{}T{:02}:{:02}:{:02}{fraction}Z",
        date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Why a text is not a point in time Tandem can record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateTimeProblem {
    /// Not an R4 `dateTime` at all.
    NotDateTime,
    /// A valid `dateTime` but only a year, month or day: no time of day.
    NoTime,
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn year(s: &str) -> Option<i32> {
    digits(s, 4).filter(|y| *y > 0).map(|y| y as i32)
}

fn month(s: &str) -> Option<Month> {
    digits(s, 2)
        .and_then(|m| u8::try_from(m).ok())
        .and_then(|m| Month::try_from(m).ok())
}

fn calendar_date(y: &str, m: &str, d: &str) -> Option<Date> {
    let d = digits(d, 2).and_then(|d| u8::try_from(d).ok())?;
    Date::from_calendar_date(year(y)?, month(m)?, d).ok()
}

/// `hh:mm:ss(.fraction)?` then `Z` or `±hh:mm`.
fn time_and_offset(t: &str) -> Option<(Time, UtcOffset)> {
    let zone_at = t.find(['Z', '+', '-'])?;
    let (clock, zone) = t.split_at(zone_at);
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (hms, f),
        Some(_) => return None,
        None => (clock, ""),
    };
    let mut parts = hms.split(':');
    let h = digits(parts.next()?, 2)?;
    let m = digits(parts.next()?, 2)?;
    let s = digits(parts.next()?, 2)?;
    if parts.next().is_some() {
        return None;
    }
    // Nanoseconds from the first nine digits; FHIR allows any precision.
    let nanos = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    let time = Time::from_hms_nano(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(s).ok()?,
        nanos,
    )
    .ok()?;
    let offset = if zone == "Z" {
        UtcOffset::UTC
    } else {
        let (sign, hm) = zone.split_at(1);
        let (oh, om) = hm.split_once(':')?;
        let (oh, om) = (digits(oh, 2)?, digits(om, 2)?);
        if oh > 14 || om > 59 || (oh == 14 && om > 0) {
            return None;
        }
        let (oh, om) = (i8::try_from(oh).ok()?, i8::try_from(om).ok()?);
        let sign = if sign == "-" { -1 } else { 1 };
        UtcOffset::from_hms(sign * oh, sign * om, 0).ok()?
    };
    Some((time, offset))
}

/// An R4 `dateTime` with a time of day and its zone, as a UTC instant to
/// the microsecond (what the databases keep).
pub(crate) fn parse_date_time(s: &str) -> Result<OffsetDateTime, DateTimeProblem> {
    use DateTimeProblem::{NoTime, NotDateTime};
    let (day, clock) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let fields: Vec<&str> = day.split('-').collect();
    match (fields.as_slice(), clock) {
        ([y], None) if year(y).is_some() => Err(NoTime),
        ([y, m], None) if year(y).is_some() && month(m).is_some() => Err(NoTime),
        ([y, m, d], None) if calendar_date(y, m, d).is_some() => Err(NoTime),
        ([y, m, d], Some(t)) => {
            let date = calendar_date(y, m, d).ok_or(NotDateTime)?;
            let (time, offset) = time_and_offset(t).ok_or(NotDateTime)?;
            let utc = PrimitiveDateTime::new(date, time)
                .assume_offset(offset)
                .checked_to_offset(UtcOffset::UTC)
                .ok_or(NotDateTime)?;
            Ok(utc
                .replace_nanosecond(utc.nanosecond() / 1_000 * 1_000)
                .unwrap_or(utc))
        }
        _ => Err(NotDateTime),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn instants_are_utc_to_the_microsecond() {
        assert_eq!(
            instant(datetime!(2026-11-22 10:00:00.123456789 UTC)),
            "2026-11-22T10:00:00.123456Z"
        );
        assert_eq!(
            instant(datetime!(2026-11-22 10:00:00 +02:00)),
            "2026-11-22T08:00:00Z"
        );
        assert_eq!(
            instant(datetime!(2026-01-02 03:04:05.000001 UTC)),
            "2026-01-02T03:04:05.000001Z"
        );
    }

    #[test]
    fn dates_keep_four_digit_years() {
        assert_eq!(date(date!(1905 - 03 - 07)), "1905-03-07");
    }

    #[test]
    fn date_times_need_a_time_and_a_zone() {
        assert_eq!(
            parse_date_time("2026-11-22T10:00:00+02:00"),
            Ok(datetime!(2026-11-22 08:00:00 UTC))
        );
        assert_eq!(
            parse_date_time("2026-11-22T10:00:00.1234567Z"),
            Ok(datetime!(2026-11-22 10:00:00.123456 UTC))
        );
        assert_eq!(
            parse_date_time("2026-01-01T01:00:00-14:00"),
            Ok(datetime!(2026-01-01 15:00:00 UTC))
        );
        for partial in ["2026", "2026-11", "2026-11-22"] {
            assert_eq!(parse_date_time(partial), Err(DateTimeProblem::NoTime));
        }
        for bad in [
            "",
            "22/11/2026",
            "2026-11-22T10:00:00",
            "2026-11-22T10:00Z",
            "2026-11-22 10:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22T10:00:00.Z",
            "2026-11-22T10:00:00+15:00",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59-14:00",
            "2026-13",
            "+2026-11-22T10:00:00Z",
        ] {
            assert_eq!(
                parse_date_time(bad),
                Err(DateTimeProblem::NotDateTime),
                "{bad}"
            );
        }
    }
}
