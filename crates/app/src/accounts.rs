//! Staff accounts and API tokens.

use crate::{App, AppError, Caller, Forbidden, Operator, Result};
use tandem_core::ValidationErrors;
use tandem_core::access::can_manage_users;
use tandem_core::audit::{AuditRecord, Outcome};
use tandem_core::auth::{API_TOKEN_PREFIX, Password, SecretToken, hash_password};
use tandem_core::entropy::random_bytes;
use tandem_core::ids::{TokenId, UserId};
use tandem_core::role::Role;
use tandem_store::{StoreError, audit, sessions, tokens, users};
use time::{Duration, OffsetDateTime};

/// A new staff account as entered.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub password: String,
}

/// A token's secret, shown once.
#[derive(Debug)]
pub struct TokenIssued {
    pub id: TokenId,
    pub secret: SecretToken,
    pub expires_at: OffsetDateTime,
}

pub(crate) fn valid_username(u: &str) -> Result<String, ValidationErrors> {
    let u = u.trim();
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
    if !(3..=40).contains(&u.len()) || !ok_chars {
        return Err(ValidationErrors::single(
            "username",
            "use 3 to 40 lower-case letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(u.to_string())
}

impl App {
    async fn hash(&self, password: Password) -> Result<String> {
        let salt: [u8; 16] = random_bytes(self.entropy());
        tokio::task::spawn_blocking(move || hash_password(&password, &salt))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(AppError::Internal)
    }

    async fn create_user(
        &self,
        account: NewAccount,
        mut record: AuditRecord,
    ) -> Result<users::User> {
        let mut errors = ValidationErrors::default();
        let username = valid_username(&account.username)
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        let display_name = account
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if display_name.is_some_and(|d| d.chars().count() > 100) {
            errors.add("display_name", "must be at most 100 characters");
        }
        let password = Password::new(&account.password)
            .map_err(|e| errors.add("password", e.to_string()))
            .ok();
        let (Some(username), Some(password)) = (username, password) else {
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let display_name = display_name.unwrap_or(&username).to_string();
        let hash = self.hash(password).await?;
        let id = UserId::generate(self.clock(), self.entropy());
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let new = users::NewUser {
            org: self.org,
            id,
            username: &username,
            display_name: &display_name,
            role: account.role,
            password_hash: &hash,
            created_at: now,
        };
        users::insert(&mut tx, &new).await.map_err(|e| match e {
            StoreError::Duplicate(_) => AppError::invalid("username", "this username is taken"),
            e => e.into(),
        })?;
        record.resource = Some(format!("User/{id}"));
        record.detail = Some(format!("{username} as {}", account.role));
        audit::append(&mut tx, record).await?;
        let user = users::by_id(&mut tx, self.org, id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        tx.commit().await?;
        Ok(user)
    }

    /// `tandem user add`.
    pub async fn add_user_as_operator(
        &self,
        op: &Operator,
        account: NewAccount,
    ) -> Result<users::User> {
        let rec = self.operator_record(op, "user.add", Outcome::Success);
        self.create_user(account, rec).await
    }

    /// An administrator adds an account in the UI.
    pub async fn add_user(&self, caller: &Caller, account: NewAccount) -> Result<users::User> {
        self.require_admin(caller, "user.add").await?;
        let rec = self.record(caller, "user.add", Outcome::Success);
        self.create_user(account, rec).await
    }

    async fn require_admin(&self, caller: &Caller, action: &str) -> Result<()> {
        if can_manage_users(caller.actor.role) {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        audit::append(&mut tx, self.record(caller, action, Outcome::Denied)).await?;
        tx.commit().await?;
        Err(AppError::Forbidden(Forbidden::Role))
    }

    pub async fn list_users(&self, caller: &Caller) -> Result<Vec<users::User>> {
        self.require_admin(caller, "user.list").await?;
        let mut tx = self.store.begin_read().await?;
        Ok(users::list(&mut tx, self.org, &[]).await?)
    }

    /// Deactivating an account also ends its sessions.
    pub async fn set_user_active(&self, caller: &Caller, user: UserId, active: bool) -> Result<()> {
        self.require_admin(caller, "user.update").await?;
        if user == caller.actor.user_id && !active {
            return Err(AppError::invalid(
                "active",
                "you cannot deactivate your own account",
            ));
        }
        let mut tx = self.store.begin().await?;
        if !users::set_active(&mut tx, self.org, user, active).await? {
            return Err(AppError::NotFound("user"));
        }
        if !active {
            sessions::delete_for_user(&mut tx, self.org, user).await?;
        }
        let mut rec = self.record(caller, "user.update", Outcome::Success);
        rec.resource = Some(format!("User/{user}"));
        rec.detail = Some(if active { "activated" } else { "deactivated" }.into());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `tandem token issue`: a bearer token for an active account.
    pub async fn issue_token(
        &self,
        op: &Operator,
        username: &str,
        days: Option<i64>,
    ) -> Result<TokenIssued> {
        let days = days.unwrap_or(self.settings.token_days);
        if !(1..=3650).contains(&days) {
            return Err(AppError::invalid(
                "expires_days",
                "give between 1 and 3650 days",
            ));
        }
        let mut tx = self.store.begin().await?;
        let user = users::by_username(&mut tx, self.org, username)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if !user.active {
            return Err(AppError::invalid("username", "this account is deactivated"));
        }
        let secret = SecretToken::from_bytes(API_TOKEN_PREFIX, &random_bytes(self.entropy()));
        let id = TokenId::generate(self.clock(), self.entropy());
        let now = self.now();
        let expires_at = now + Duration::days(days);
        tokens::insert(
            &mut tx,
            self.org,
            id,
            user.id,
            &secret.digest(),
            now,
            expires_at,
        )
        .await?;
        let mut rec = self.operator_record(op, "token.issue", Outcome::Success);
        rec.resource = Some(format!("Token/{id}"));
        rec.detail = Some(format!("for {} until {}", user.username, expires_at.date()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(TokenIssued {
            id,
            secret,
            expires_at,
        })
    }

    /// `tandem token revoke`: by the secret itself or by the token's id.
    pub async fn revoke_token(&self, op: &Operator, token_or_id: &str) -> Result<TokenId> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let revoked = if let Ok(id) = token_or_id.parse::<TokenId>() {
            tokens::revoke(&mut tx, self.org, id, now)
                .await?
                .then_some(id)
        } else {
            let digest = tandem_core::auth::token_digest(token_or_id.trim());
            tokens::revoke_by_hash(&mut tx, &digest, now)
                .await?
                .map(|t| t.id)
        };
        let id = revoked.ok_or(AppError::NotFound("active token"))?;
        let mut rec = self.operator_record(op, "token.revoke", Outcome::Success);
        rec.resource = Some(format!("Token/{id}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_simple() {
        assert!(valid_username("dr_lee").is_ok());
        assert!(valid_username("t.kim-2").is_ok());
        assert!(valid_username("Dr Lee").is_err());
        assert!(valid_username("ab").is_err());
    }
}
