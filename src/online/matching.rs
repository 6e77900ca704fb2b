//! Who a viewer is: a remembered assignment first, then the phone number, then the exact roster name (also inside
//! `会中名(昵称)` forms). A name two trainees share, or one nobody has, is left for staff to assign: never guessed.

use std::collections::HashMap;

use uuid::Uuid;

/// A trainee of the class as matching sees them.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub enrollment_id: Uuid,
    pub name: String,
    pub phone: Option<String>,
}

pub use crate::entity::vocab::ViewerMatch as Match;

impl Match {
    pub fn label(self) -> &'static str {
        match self {
            Match::Assigned => "已指定",
            Match::Phone => "手机号匹配",
            Match::Name => "姓名匹配",
            Match::Ambiguous => "重名，需指定",
            Match::NotFound => "未找到，需指定",
        }
    }
}

/// The first mainland mobile number in `text` (11 digits starting with 1), ignoring spaces and dashes.
pub fn phone_in(text: &str) -> Option<String> {
    let digits: Vec<char> = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let mut run = String::new();
    for c in digits.iter().chain(std::iter::once(&'x')) {
        if c.is_ascii_digit() {
            run.push(*c);
            continue;
        }
        if run.len() == 11 && run.starts_with('1') {
            return Some(run);
        }
        if run.len() == 13 && run.starts_with("861") {
            return Some(run[2..].to_owned());
        }
        run.clear();
    }
    None
}

/// The names a display name may stand for: itself, and in `会中名(昵称)` (ASCII or full-width brackets) the part
/// before the brackets and the part inside. Spaces are dropped (rosters do not have them).
pub fn names_in(display: &str) -> Vec<String> {
    let clean: String = display
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c == '（' {
                '('
            } else if c == '）' {
                ')'
            } else {
                c
            }
        })
        .collect();
    let mut out = vec![clean.clone()];
    if let Some(open) = clean.find('(')
        && let Some(close) = clean.rfind(')')
        && close > open
    {
        out.push(clean[..open].to_owned());
        out.push(clean[open + 1..close].to_owned());
    }
    out.retain(|n| !n.is_empty());
    out.dedup();
    out
}

/// Matches one viewer against the roster. `assigned` maps display names staff assigned earlier in the class.
pub fn find(
    display: &str,
    phone: Option<&str>,
    roster: &[Candidate],
    assigned: &HashMap<String, Uuid>,
) -> (Match, Option<Uuid>) {
    if let Some(id) = assigned.get(display.trim())
        && roster.iter().any(|c| c.enrollment_id == *id)
    {
        return (Match::Assigned, Some(*id));
    }
    if let Some(p) = phone {
        let by_phone: Vec<&Candidate> = roster.iter().filter(|c| c.phone.as_deref() == Some(p)).collect();
        if let [one] = by_phone.as_slice() {
            return (Match::Phone, Some(one.enrollment_id));
        }
    }
    let names = names_in(display);
    let mut found: Vec<Uuid> = roster.iter().filter(|c| names.contains(&c.name)).map(|c| c.enrollment_id).collect();
    found.sort();
    found.dedup();
    match found.as_slice() {
        [one] => (Match::Name, Some(*one)),
        [] => (Match::NotFound, None),
        _ => (Match::Ambiguous, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Vec<Candidate> {
        let c = |n: &str, p: Option<&str>| Candidate {
            enrollment_id: Uuid::new_v4(),
            name: n.to_owned(),
            phone: p.map(str::to_owned),
        };
        vec![c("张伟", Some("13800138000")), c("张伟", Some("13900139000")), c("李娜", None), c("王芳", None)]
    }

    #[test]
    fn phone_then_name_inside_brackets_and_shared_names_are_not_guessed() {
        let r = roster();
        let none = HashMap::new();
        assert_eq!(find("张伟", Some("13900139000"), &r, &none), (Match::Phone, Some(r[1].enrollment_id)));
        assert_eq!(find("张伟", None, &r, &none), (Match::Ambiguous, None), "two trainees are called 张伟");
        assert_eq!(find("李娜（市发改委）", None, &r, &none), (Match::Name, Some(r[2].enrollment_id)));
        assert_eq!(find("小李(李娜)", None, &r, &none), (Match::Name, Some(r[2].enrollment_id)), "the nickname part");
        assert_eq!(find(" 王 芳 ", None, &r, &none), (Match::Name, Some(r[3].enrollment_id)));
        assert_eq!(find("iPhone", None, &r, &none), (Match::NotFound, None));
        let assigned = HashMap::from([("iPhone".to_owned(), r[0].enrollment_id)]);
        assert_eq!(find("iPhone", None, &r, &assigned), (Match::Assigned, Some(r[0].enrollment_id)));
    }

    #[test]
    fn phones_are_found_in_names_and_cells() {
        assert_eq!(phone_in("张伟 138-0013-8000").as_deref(), Some("13800138000"));
        assert_eq!(phone_in("+86 13800138000").as_deref(), Some("13800138000"));
        assert_eq!(phone_in("会议室 2026120312"), None, "ten digits is not a phone");
        assert_eq!(phone_in("123456789012"), None);
    }
}
