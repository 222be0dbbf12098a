//! Credentials: password hashing, secret tokens, session expiry and login
//! throttling. Pure rules; the salt and the secrets' bytes are passed in.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// A password that meets the policy. Its `Debug` never shows it.
pub struct Password(String);

/// Shortest accepted password (NIST SP 800-63B asks for at least 8; we ask
/// for more because staff accounts open many patients' records).
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password may have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
}

impl Password {
    pub fn new(raw: &str) -> Result<Self, PasswordError> {
        let n = raw.chars().count();
        if n < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if n > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Hashes with Argon2id at the OWASP-recommended defaults (19 MiB, t=2, p=1)
/// into a PHC string. `salt` is 16 random bytes.
pub fn hash_password(password: &Password, salt: &[u8; 16]) -> Result<String, String> {
    Argon2::default()
        .hash_password_with_salt(password.expose().as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored PHC string; any malformed hash is a "no".
pub fn verify_password(phc: &str, candidate: &str) -> bool {
    Argon2::default()
        .verify_password(candidate.as_bytes(), phc)
        .is_ok()
}

/// A secret handed to a client once (session cookie, API token) and stored
/// only as its SHA-256. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

/// What API tokens start with, so a leaked one is recognisable in a scanner.
pub const API_TOKEN_PREFIX: &str = "tdm_";

impl SecretToken {
    /// A token from 32 random bytes: 256 bits, base64url.
    pub fn from_bytes(prefix: &str, bytes: &[u8; 32]) -> Self {
        SecretToken(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> String {
        token_digest(&self.0)
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(…)")
    }
}

/// The stored form of a presented token.
pub fn token_digest(presented: &str) -> String {
    hex::encode(Sha256::digest(presented.as_bytes()))
}

/// How long a web session lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ended after this long without a request.
    pub idle: Duration,
    /// Ended this long after login, however busy.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    /// 15 minutes idle follows the HIPAA-era norm for shared clinical
    /// workstations (OWASP suggests 15–30 for high-value apps); 12 hours
    /// covers one clinical shift.
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(15),
            absolute: Duration::hours(12),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Live,
    IdleExpired,
    AbsoluteExpired,
}

impl SessionPolicy {
    pub fn state(
        &self,
        created_at: OffsetDateTime,
        last_seen_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> SessionState {
        if now >= created_at + self.absolute {
            SessionState::AbsoluteExpired
        } else if now >= last_seen_at + self.idle {
            SessionState::IdleExpired
        } else {
            SessionState::Live
        }
    }
}

/// Throttling of failed logins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Consecutive failures on one account before it is locked.
    pub account_failures: u32,
    pub account_lock: Duration,
    /// Failures from one address within `address_window` before it is refused.
    pub address_failures: u32,
    pub address_window: Duration,
}

impl Default for LoginThrottle {
    /// OWASP's authentication cheat sheet: lock after a handful of failures,
    /// for minutes rather than forever (a permanent lock is a denial of service).
    fn default() -> Self {
        LoginThrottle {
            account_failures: 5,
            account_lock: Duration::minutes(15),
            address_failures: 20,
            address_window: Duration::minutes(15),
        }
    }
}

impl LoginThrottle {
    /// After a failure brings the count to `failures`, until when is the account locked?
    pub fn lock_after_failure(&self, failures: u32, now: OffsetDateTime) -> Option<OffsetDateTime> {
        (failures >= self.account_failures).then(|| now + self.account_lock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let p = Password::new("Correct-Horse-Battery-9").unwrap();
        let phc = hash_password(&p, &[7u8; 16]).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password(&phc, "Correct-Horse-Battery-9"));
        assert!(!verify_password(&phc, "Correct-Horse-Battery-8"));
        assert!(!verify_password("garbage", "Correct-Horse-Battery-9"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(Password::new("short").err(), Some(PasswordError::TooShort));
        assert!(Password::new("twelve chars").is_ok());
        assert_eq!(
            format!("{:?}", Password::new("twelve chars").unwrap()),
            "Password(…)"
        );
    }

    #[test]
    fn tokens_are_long_and_only_their_digest_is_kept() {
        let t = SecretToken::from_bytes(API_TOKEN_PREFIX, &[1u8; 32]);
        assert!(t.expose().starts_with("tdm_"));
        assert_eq!(t.expose().len(), 4 + 43);
        assert_eq!(t.digest(), token_digest(t.expose()));
        assert_ne!(t.digest(), t.expose());
        assert!(!format!("{t:?}").contains(t.expose()));
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let p = SessionPolicy::default();
        let t0 = datetime!(2026-11-22 08:00 UTC);
        assert_eq!(
            p.state(t0, t0, t0 + Duration::minutes(14)),
            SessionState::Live
        );
        assert_eq!(
            p.state(t0, t0, t0 + Duration::minutes(15)),
            SessionState::IdleExpired
        );
        let busy = t0 + Duration::hours(12) - Duration::minutes(1);
        assert_eq!(p.state(t0, busy, busy), SessionState::Live);
        assert_eq!(
            p.state(t0, busy, t0 + Duration::hours(12)),
            SessionState::AbsoluteExpired
        );
    }

    #[test]
    fn accounts_lock_on_the_fifth_failure() {
        let t = LoginThrottle::default();
        let now = datetime!(2026-11-22 08:00 UTC);
        assert_eq!(t.lock_after_failure(4, now), None);
        assert_eq!(
            t.lock_after_failure(5, now),
            Some(now + Duration::minutes(15))
        );
    }
}
