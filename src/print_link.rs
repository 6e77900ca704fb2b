//! Signed, expiring links to the print pages, so a browser can open and print them without a staff login: the
//! invite sheet of a class and its daily notice for one date. Staff get a link from the API (valid 24 hours); the
//! page checks it before showing anything. A link for one page, class or date never opens another.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use secrecy::SecretString;
use uuid::Uuid;

use crate::crypto;
use crate::error::{AppError, AppResult, ErrorCode};

/// Which print page a link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintPage {
    /// One card per trainee with the invite code and a QR of the binding link.
    InviteSheet,
    /// The daily attendance notice (考勤公示) of this date.
    Notice(NaiveDate),
}

impl PrintPage {
    fn what(self) -> &'static str {
        match self {
            Self::InviteSheet => "invites",
            Self::Notice(_) => "notice",
        }
    }

    fn extra(self) -> String {
        match self {
            Self::InviteSheet => String::new(),
            Self::Notice(date) => date.to_string(),
        }
    }
}

/// Signs (page, class, expiry) under the master secret.
fn signature(secret: &SecretString, page: PrintPage, class_id: Uuid, exp: i64) -> AppResult<String> {
    let mac = crypto::mac(
        secret,
        "print-link",
        &[page.what().as_bytes(), class_id.as_bytes(), page.extra().as_bytes(), exp.to_string().as_bytes()],
    )?;
    Ok(hex::encode(&mac[..16]))
}

/// Accepts a link's `exp` and `sig` for `page` of the class while it has not expired.
pub fn check(
    secret: &SecretString,
    page: PrintPage,
    class_id: Uuid,
    exp: i64,
    sig: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let expected = signature(secret, page, class_id, exp)?;
    let fresh = Utc.timestamp_opt(exp, 0).single().is_some_and(|t| t > now);
    if crypto::verify(expected.as_bytes(), sig.as_bytes()) && fresh {
        Ok(())
    } else {
        Err(AppError::with_message(ErrorCode::Forbidden, "打印链接已失效，请在系统中重新打开"))
    }
}

/// A link to the class's invite sheet, valid until `until`.
pub fn invite_sheet_url(
    secret: &SecretString,
    base_url: &str,
    class_id: Uuid,
    until: DateTime<Utc>,
) -> AppResult<String> {
    let exp = until.timestamp();
    let sig = signature(secret, PrintPage::InviteSheet, class_id, exp)?;
    Ok(format!("{base_url}/print/classes/{class_id}/invites?exp={exp}&sig={sig}"))
}

/// Links to the class's daily notice for `date` (print page, PDF), valid until `until`.
pub fn notice_urls(
    secret: &SecretString,
    base_url: &str,
    class_id: Uuid,
    date: NaiveDate,
    until: DateTime<Utc>,
) -> AppResult<(String, String)> {
    let exp = until.timestamp();
    let sig = signature(secret, PrintPage::Notice(date), class_id, exp)?;
    let base = format!("{base_url}/print/classes/{class_id}");
    let query = format!("date={date}&exp={exp}&sig={sig}");
    Ok((format!("{base}/notice?{query}"), format!("{base}/notice.pdf?{query}")))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn query(url: &str) -> (i64, String) {
        let (_, q) = url.split_once('?').expect("a query");
        let mut exp = 0;
        let mut sig = String::new();
        for pair in q.split('&') {
            match pair.split_once('=').expect("key=value") {
                ("exp", v) => exp = v.parse().expect("exp"),
                ("sig", v) => sig = v.to_owned(),
                _ => {}
            }
        }
        (exp, sig)
    }

    #[test]
    fn a_link_opens_its_own_page_until_it_expires_and_nothing_else() {
        let secret = SecretString::from("a test secret of some length");
        let class = Uuid::now_v7();
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).single().expect("time");
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let until = now + Duration::hours(24);

        let (exp, sig) = query(&invite_sheet_url(&secret, "http://x", class, until).expect("sign"));
        assert!(check(&secret, PrintPage::InviteSheet, class, exp, &sig, now).is_ok(), "the sheet opens");
        let refused = [
            (PrintPage::InviteSheet, class, exp, sig.clone(), until, "once expired"),
            (PrintPage::InviteSheet, Uuid::now_v7(), exp, sig.clone(), now, "for another class"),
            (PrintPage::Notice(day), class, exp, sig.clone(), now, "as a notice link"),
            (PrintPage::InviteSheet, class, exp + 1, sig.clone(), now, "with a later expiry"),
            (PrintPage::InviteSheet, class, exp, sig[..31].to_owned(), now, "with a cut signature"),
        ];
        for (page, class_id, exp, sig, at, why) in refused {
            assert!(check(&secret, page, class_id, exp, &sig, at).is_err(), "refused {why}");
        }

        let (print, pdf) = notice_urls(&secret, "http://x", class, day, until).expect("sign");
        assert_eq!(query(&print), query(&pdf), "the print page and the PDF share one signature");
        let (exp, sig) = query(&print);
        assert!(check(&secret, PrintPage::Notice(day), class, exp, &sig, now).is_ok(), "the notice opens");
        let next = day.succ_opt().expect("date");
        assert!(check(&secret, PrintPage::Notice(next), class, exp, &sig, now).is_err(), "not for another day");
    }
}
