//! Binding tickets: when a WeChat user is not yet bound to an enrolment, they get a short-lived signed ticket
//! carrying their openid, which they exchange together with an invite code. Stateless, so any instance accepts it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

use crate::crypto;
use crate::error::{AppError, AppResult, ErrorCode};

pub const TTL_MINUTES: i64 = 10;
const LABEL: &str = "wechat-binding";

pub fn issue(secret: &SecretString, openid: &str, now: DateTime<Utc>) -> AppResult<(String, DateTime<Utc>)> {
    let expires_at = now + Duration::minutes(TTL_MINUTES);
    let payload = format!("{}|{}", expires_at.timestamp(), openid);
    let mac = crypto::mac(secret, LABEL, &[payload.as_bytes()])?;
    Ok((format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(&mac[..16])), expires_at))
}

/// The openid inside a valid, unexpired ticket.
pub fn verify(secret: &SecretString, ticket: &str, now: DateTime<Utc>) -> AppResult<String> {
    let invalid = || AppError::new(ErrorCode::BindingTicketInvalid);
    let (payload_b64, mac_b64) = ticket.split_once('.').ok_or_else(invalid)?;
    let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| invalid())?;
    let received = URL_SAFE_NO_PAD.decode(mac_b64).map_err(|_| invalid())?;
    let expected = crypto::mac(secret, LABEL, &[&payload])?;
    if !crypto::verify(&expected[..16], &received) {
        return Err(invalid());
    }
    let payload = String::from_utf8(payload).map_err(|_| invalid())?;
    let (exp, openid) = payload.split_once('|').ok_or_else(invalid)?;
    let exp: i64 = exp.parse().map_err(|_| invalid())?;
    if now.timestamp() > exp || openid.is_empty() {
        return Err(invalid());
    }
    Ok(openid.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_good_until_it_expires_and_cannot_be_altered() {
        let secret = SecretString::from("k".repeat(40));
        let now = Utc::now();
        let (ticket, _) = issue(&secret, "o-abc", now).unwrap();
        assert_eq!(verify(&secret, &ticket, now).unwrap(), "o-abc");
        assert!(verify(&secret, &ticket, now + Duration::minutes(TTL_MINUTES) + Duration::seconds(1)).is_err());
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(format!("{}|o-evil", now.timestamp() + 600)),
            ticket.split_once('.').unwrap().1
        );
        assert!(verify(&secret, &forged, now).is_err());
        assert!(verify(&SecretString::from("x".repeat(40)), &ticket, now).is_err());
    }
}
