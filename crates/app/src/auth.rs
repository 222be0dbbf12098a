//! Signing in: web sessions and API bearer tokens.

use crate::{Actor, App, AppError, Caller, Result};
use std::sync::OnceLock;
use tandem_core::audit::{AuditRecord, Channel, Outcome};
use tandem_core::auth::{
    Password, SecretToken, SessionState, hash_password, token_digest, verify_password,
};
use tandem_core::entropy::random_bytes;
use tandem_store::{audit, sessions, tokens, users};
use time::Duration;
use uuid::Uuid;

/// The one message every failed login gets, so it reveals nothing about
/// which accounts exist or which part was wrong.
pub const LOGIN_FAILED: &str = "That username and password did not work, or the account is locked for a while. Try again or ask your administrator.";

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{LOGIN_FAILED}")]
    Failed,
    #[error("too many failed sign-ins from this address; wait a few minutes")]
    AddressThrottled,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<tandem_store::StoreError> for LoginError {
    fn from(e: tandem_store::StoreError) -> Self {
        LoginError::App(e.into())
    }
}

/// A new session: the cookie's secret (shown once) and the form token.
#[derive(Debug)]
pub struct LoginSuccess {
    pub session_secret: SecretToken,
    pub caller: Caller,
}

/// A resumed web session.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub caller: Caller,
    pub session_id: Uuid,
    pub csrf_token: String,
}

/// A hash to check unknown usernames against, so they take as long as known ones.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        Password::new("dummy password for timing")
            .ok()
            .and_then(|p| hash_password(&p, &[0u8; 16]).ok())
            .unwrap_or_default()
    })
}

/// Session activity is written at most this often, so reading pages is not a
/// stream of writes.
const TOUCH_EVERY: Duration = Duration::seconds(60);

impl App {
    fn address_blocked(&self, address: &str) -> bool {
        let now = self.now();
        let t = self.settings.throttle;
        let map = match self.address_failures.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.get(address)
            .is_some_and(|(n, since)| *n >= t.address_failures && now - *since < t.address_window)
    }

    fn note_address_failure(&self, address: &str) {
        let now = self.now();
        let window = self.settings.throttle.address_window;
        let mut map = match self.address_failures.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.retain(|_, (_, since)| now - *since < window);
        let e = map.entry(address.to_string()).or_insert((0, now));
        e.0 += 1;
    }

    fn login_record(
        &self,
        username: &str,
        role: &str,
        outcome: Outcome,
        detail: &str,
    ) -> AuditRecord {
        AuditRecord {
            org: self.org,
            at: self.now(),
            actor_id: None,
            actor: username.chars().take(60).collect(),
            actor_role: role.to_string(),
            channel: Channel::Web.as_str().to_string(),
            action: "session.login".into(),
            patient_id: None,
            resource: None,
            purpose: None,
            detail: Some(detail.to_string()),
            outcome: outcome.as_str().to_string(),
        }
    }

    /// Checks a username and password; on success opens a session.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<LoginSuccess, LoginError> {
        if self.address_blocked(address) {
            let mut tx = self.store.begin().await?;
            let rec = self.login_record(username, "unknown", Outcome::Denied, "address throttled");
            audit::append(&mut tx, rec).await?;
            tx.commit().await?;
            return Err(LoginError::AddressThrottled);
        }
        let user = {
            let mut tx = self.store.begin_read().await?;
            users::by_username(&mut tx, self.org, username.trim()).await?
        };
        let now = self.now();
        let phc = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let candidate = password.to_string();
        let matches = tokio::task::spawn_blocking(move || verify_password(&phc, &candidate))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin().await?;
        let Some(user) = user else {
            self.note_address_failure(address);
            audit::append(
                &mut tx,
                self.login_record(username, "unknown", Outcome::Denied, "unknown username"),
            )
            .await?;
            tx.commit().await?;
            return Err(LoginError::Failed);
        };
        let locked = user.locked_until.is_some_and(|t| t > now);
        if !user.active || locked || !matches {
            self.note_address_failure(address);
            let detail = if !user.active {
                "account deactivated"
            } else if locked {
                "account locked"
            } else {
                "wrong password"
            };
            if matches!(detail, "wrong password") {
                let failures = user.failed_logins + 1;
                let lock = self
                    .settings
                    .throttle
                    .lock_after_failure(failures.clamp(0, i64::from(u32::MAX)) as u32, now);
                users::record_failure(&mut tx, self.org, user.id, lock).await?;
            }
            let mut rec =
                self.login_record(&user.username, user.role.as_str(), Outcome::Denied, detail);
            rec.actor_id = Some(user.id);
            audit::append(&mut tx, rec).await?;
            tx.commit().await?;
            return Err(LoginError::Failed);
        }
        users::record_success(&mut tx, self.org, user.id).await?;
        let secret = SecretToken::from_bytes("", &random_bytes(self.entropy()));
        let csrf = SecretToken::from_bytes("", &random_bytes(self.entropy()));
        let session_id = Uuid::from_bytes(random_bytes(self.entropy()));
        let new = sessions::NewSession {
            org: self.org,
            id: session_id,
            token_hash: &secret.digest(),
            user_id: user.id,
            csrf_token: csrf.expose(),
            now,
        };
        sessions::insert(&mut tx, &new).await?;
        let mut rec = self.login_record(
            &user.username,
            user.role.as_str(),
            Outcome::Success,
            "signed in",
        );
        rec.actor_id = Some(user.id);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        let caller = Caller {
            actor: actor_of(&user),
            channel: Channel::Web,
        };
        Ok(LoginSuccess {
            session_secret: secret,
            caller,
        })
    }

    /// Finds the live session behind a cookie; expired ones are removed.
    pub async fn resume_session(&self, secret: &str) -> Result<Authenticated> {
        let now = self.now();
        let digest = token_digest(secret);
        let (session, user) = {
            let mut tx = self.store.begin_read().await?;
            let Some(s) = sessions::by_token_hash(&mut tx, &digest).await? else {
                return Err(AppError::Unauthenticated);
            };
            let u = users::by_id(&mut tx, s.org, s.user_id).await?;
            (s, u)
        };
        let state = self
            .settings
            .session
            .state(session.created_at, session.last_seen_at, now);
        let user = match user {
            Some(u) if u.active && state == SessionState::Live => u,
            _ => {
                let mut tx = self.store.begin().await?;
                sessions::delete(&mut tx, session.org, session.id).await?;
                tx.commit().await?;
                return Err(AppError::Unauthenticated);
            }
        };
        if now - session.last_seen_at >= TOUCH_EVERY {
            let mut tx = self.store.begin().await?;
            sessions::touch(&mut tx, session.org, session.id, now).await?;
            tx.commit().await?;
        }
        Ok(Authenticated {
            caller: Caller {
                actor: actor_of(&user),
                channel: Channel::Web,
            },
            session_id: session.id,
            csrf_token: session.csrf_token,
        })
    }

    pub async fn logout(&self, auth: &Authenticated) -> Result<()> {
        let mut tx = self.store.begin().await?;
        sessions::delete(&mut tx, auth.caller.actor.org, auth.session_id).await?;
        audit::append(
            &mut tx,
            self.record(&auth.caller, "session.logout", Outcome::Success),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves an API bearer token to its caller: unknown, expired and
    /// revoked tokens, and tokens of deactivated accounts, are all refused.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Caller> {
        let now = self.now();
        let mut tx = self.store.begin_read().await?;
        let t = tokens::by_hash(&mut tx, &token_digest(token.trim()))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if t.revoked_at.is_some() || t.expires_at <= now {
            return Err(AppError::Unauthenticated);
        }
        let user = users::by_id(&mut tx, t.org, t.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !user.active {
            return Err(AppError::Unauthenticated);
        }
        Ok(Caller {
            actor: actor_of(&user),
            channel: Channel::Api,
        })
    }
}

pub(crate) fn actor_of(u: &users::User) -> Actor {
    Actor {
        org: u.org,
        user_id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
    }
}
