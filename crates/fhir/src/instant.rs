//! FHIR's textual forms of dates and instants.
//!
//! Written by hand rather than with `time`'s RFC 3339 formatter because FHIR
//! wants a four-digit year and at most microseconds, which is what the
//! databases keep.

use time::{Date, OffsetDateTime, UtcOffset};

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
}
