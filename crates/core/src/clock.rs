//! Time is an input. Production passes a system clock from the binary's edge;
//! tests pass a [`FixedClock`].

use std::sync::Mutex;
use time::{Date, Duration, OffsetDateTime};

/// A source of the current instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;

    /// Today's date in UTC, for day-granular rules such as care-team membership.
    fn today(&self) -> Date {
        self.now().date()
    }
}

/// Instants are kept to microseconds: both databases store that precision,
/// and the audit hash must be computed over what is stored.
pub fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}

/// A clock that stays where it is put; tests advance it by hand.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(truncate(at)))
    }

    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        match self.0.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// Whole years between a birth date and a day, as people count age.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn age_counts_birthdays_not_years() {
        assert_eq!(age_on(date!(1988 - 04 - 12), date!(2026 - 04 - 11)), 37);
        assert_eq!(age_on(date!(1988 - 04 - 12), date!(2026 - 04 - 12)), 38);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2025 - 02 - 28)), 24);
    }

    #[test]
    fn truncation_drops_nanoseconds_only() {
        let t = datetime!(2026-11-22 10:00:00.123456789 UTC);
        assert_eq!(truncate(t), datetime!(2026-11-22 10:00:00.123456 UTC));
    }
}
