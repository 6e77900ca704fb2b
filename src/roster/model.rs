use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::class::model::{optional_text, required_text};
use crate::entity::{enrollment, person};
use crate::error::{AppError, AppResult};

/// A mainland mobile number, normalised to 11 digits (spaces, dashes and a +86 prefix are dropped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{a0}')).collect();
        let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
        let ok = digits.len() == 11
            && digits.starts_with('1')
            && digits.as_bytes().get(1).is_some_and(|d| (b'3'..=b'9').contains(d))
            && digits.chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(AppError::validation("手机号应为 11 位数字，以 1 开头"));
        }
        Ok(Self(digits.to_owned()))
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// 男 / 女, or unknown.
pub fn parse_gender(raw: &str) -> AppResult<Option<String>> {
    match raw.trim() {
        "" => Ok(None),
        "男" | "male" | "M" | "m" => Ok(Some("男".to_owned())),
        "女" | "female" | "F" | "f" => Ok(Some("女".to_owned())),
        _ => Err(AppError::validation("性别应填写“男”或“女”")),
    }
}

/// A name as the public may see it (the classroom screen, certificate verification): 张三 → 张*, 张小明 → 张*明,
/// 欧阳小明 → 欧**明.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// A trainee's details as entered by staff or read from a roster row, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFields {
    pub name: String,
    pub gender: Option<String>,
    pub phone: Phone,
    pub unit: String,
    pub post: Option<String>,
    pub rank: Option<String>,
    pub student_no: Option<String>,
}

/// Raw text fields, as they come from a form or a spreadsheet row.
#[derive(Debug, Clone, Default)]
pub struct RawPerson<'a> {
    pub name: &'a str,
    pub gender: &'a str,
    pub phone: &'a str,
    pub unit: &'a str,
    pub post: &'a str,
    pub rank: &'a str,
    pub student_no: &'a str,
}

impl PersonFields {
    /// Validates every field; on failure says which field (by its Chinese header) and why.
    pub fn parse(raw: &RawPerson<'_>) -> Result<Self, (&'static str, AppError)> {
        let name = required_text(raw.name, 32, "姓名").map_err(|e| ("姓名", e))?;
        let gender = parse_gender(raw.gender).map_err(|e| ("性别", e))?;
        let phone = if raw.phone.trim().is_empty() {
            Err(AppError::validation("手机号不能为空"))
        } else {
            Phone::parse(raw.phone)
        }
        .map_err(|e| ("手机号", e))?;
        let unit = required_text(raw.unit, 128, "单位").map_err(|e| ("单位", e))?;
        let post = optional_text(Some(raw.post), 64, "职务").map_err(|e| ("职务", e))?;
        let rank = optional_text(Some(raw.rank), 32, "职级").map_err(|e| ("职级", e))?;
        let student_no = optional_text(Some(raw.student_no), 32, "学号").map_err(|e| ("学号", e))?;
        Ok(Self { name, gender, phone, unit, post, rank, student_no })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RosterEntry {
    pub enrollment_id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub gender: Option<String>,
    pub phone: String,
    /// 选派单位.
    pub unit: String,
    pub post: Option<String>,
    pub rank: Option<String>,
    pub student_no: Option<String>,
    /// `active` or `withdrawn`.
    pub status: String,
    /// A phone browser is bound with the invite code.
    pub device_bound: bool,
    /// A WeChat account is bound.
    pub wechat_bound: bool,
    pub bound_at: Option<DateTime<Utc>>,
}

/// The phone number as pages and files show it: 已删除 once an administrator erased the person (the stored value
/// is then a placeholder).
pub fn shown_phone(p: &person::Model) -> String {
    if p.erased_at.is_some() { ERASED.into() } else { p.phone.clone() }
}

/// A phone number as the append-only audit trail quotes it (138****8000): enough to tell two entries apart, not
/// enough to call, so erasing a person never needs to rewrite history.
pub fn masked_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (&chars[..3], &chars[chars.len() - 4..]);
    format!("{}{}{}", head.iter().collect::<String>(), "*".repeat(chars.len() - 7), tail.iter().collect::<String>())
}

/// What an erased person's phone number reads, and the texts erased with them (leave reasons).
pub const ERASED: &str = "（已删除）";

impl RosterEntry {
    pub fn new(e: &enrollment::Model, p: &person::Model) -> Self {
        Self {
            enrollment_id: e.id,
            person_id: p.id,
            name: p.name.clone(),
            gender: p.gender.clone(),
            phone: shown_phone(p),
            unit: p.unit.clone(),
            post: p.post.clone(),
            rank: p.rank.clone(),
            student_no: e.student_no.clone(),
            status: e.status.as_str().to_owned(),
            device_bound: e.device_id.is_some(),
            wechat_bound: e.wechat_openid.is_some(),
            bound_at: e.bound_at,
        }
    }
}

pub use crate::entity::enrollment::EnrollmentStatus;
pub const STATUS_ACTIVE: EnrollmentStatus = EnrollmentStatus::Active;
pub const STATUS_WITHDRAWN: EnrollmentStatus = EnrollmentStatus::Withdrawn;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_or_refused() {
        let cases = [
            ("13800138000", Some("13800138000")),
            ("138 0013 8000", Some("13800138000")),
            ("+86 138-0013-8000", Some("13800138000")),
            ("12800138000", None),
            ("1380013800", None),
            ("138001380001", None),
            ("1380013800a", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(Phone::parse(raw).ok().map(|p| p.0), want.map(str::to_owned), "{raw:?}");
        }
    }

    #[test]
    fn phones_in_the_audit_trail_are_masked_in_the_middle() {
        assert_eq!(masked_phone("13800138000"), "138****8000");
        assert_eq!(masked_phone("123"), "***");
    }

    #[test]
    fn names_are_masked_in_the_middle() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张小明"), "张*明");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name("张"), "张");
    }
}
