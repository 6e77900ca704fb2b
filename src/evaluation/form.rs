//! An evaluation form's questions, the answers a trainee may give, and what answers add up to. Pure: no database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The four grades bases use (非常满意, 满意, 合格/基本满意, 不满意).
pub const GRADES: [(&str, &str); 4] =
    [("very_satisfied", "非常满意"), ("satisfied", "满意"), ("fair", "基本满意"), ("dissatisfied", "不满意")];

/// Points of each grade on a 100-point scale, for an indicator's average.
fn grade_points(code: &str) -> Option<f64> {
    match code {
        "very_satisfied" => Some(100.0),
        "satisfied" => Some(80.0),
        "fair" => Some(60.0),
        "dissatisfied" => Some(40.0),
        _ => None,
    }
}

/// A result group with fewer answers than this is not shown (a small group's answers could be told apart).
pub const MIN_GROUP: usize = 3;

/// The longest text answer, in characters.
pub const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 非常满意 / 满意 / 基本满意 / 不满意 (`very_satisfied`, `satisfied`, `fair`, `dissatisfied`).
    Grade,
    /// 1 to 5 stars.
    Stars,
    /// 0 to 100 points.
    Score,
    /// One of `options` (its index).
    Single,
    /// Any of `options` (their indexes).
    Multiple,
    /// Free text, up to 500 characters.
    Text,
}

/// One question of a form. `per_session`: asked about each course (session) after it ends; otherwise once about
/// the class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable within the form (`q1`, `fit`, …).
    #[schema(max_length = 32)]
    pub id: String,
    #[schema(max_length = 200)]
    pub text: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub per_session: bool,
    #[serde(default)]
    pub required: bool,
    /// The class's overall satisfaction question (a grade question about the class): the published 满意度.
    #[serde(default)]
    pub overall: bool,
}

fn q(id: &str, text: &str, kind: QuestionKind, per_session: bool, required: bool, overall: bool) -> Question {
    Question { id: id.into(), text: text.into(), kind, options: Vec::new(), per_session, required, overall }
}

/// The base's default form: five indicators and a comment for each course, then the class as a whole.
pub fn default_questions() -> Vec<Question> {
    use QuestionKind::{Grade, Text};
    vec![
        q("fit", "现实针对性", Grade, true, true, false),
        q("theory", "理论性", Grade, true, true, false),
        q("content", "信息量", Grade, true, true, false),
        q("delivery", "语言表达", Grade, true, true, false),
        q("manner", "教风教态", Grade, true, true, false),
        q("course_comment", "对本课程的意见和建议", Text, true, false, false),
        q("organisation", "教学组织与管理", Grade, false, true, false),
        q("logistics", "食宿与后勤保障", Grade, false, true, false),
        q("overall", "对本期培训班的总体评价", Grade, false, true, true),
        q("comment", "意见和建议", Text, false, false, false),
    ]
}

/// Whether the questions make a usable form; the message says what is wrong.
pub fn check_questions(questions: &[Question]) -> Result<(), String> {
    if questions.is_empty() || questions.len() > 60 {
        return Err("评估表应有 1 到 60 个问题".into());
    }
    let mut ids = std::collections::HashSet::new();
    for q in questions {
        let id_ok = !q.id.is_empty()
            && q.id.len() <= 32
            && q.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok || !ids.insert(q.id.as_str()) {
            return Err(format!("问题编号「{}」应为不重复的字母、数字或下划线", q.id));
        }
        if q.text.trim().is_empty() || q.text.chars().count() > 200 {
            return Err(format!("问题「{}」的题目应为 1 到 200 个字", q.id));
        }
        let choice = matches!(q.kind, QuestionKind::Single | QuestionKind::Multiple);
        if choice && !(2..=20).contains(&q.options.len()) {
            return Err(format!("选择题「{}」应有 2 到 20 个选项", q.text));
        }
        if q.overall && (q.kind != QuestionKind::Grade || q.per_session) {
            return Err("总体满意度应是关于全班的四级评价题".into());
        }
    }
    if questions.iter().filter(|q| q.overall).count() > 1 {
        return Err("只能有一个总体满意度问题".into());
    }
    Ok(())
}

/// The answers to one part of the form (the class, or one session), checked against its questions: unknown
/// questions and values out of range are refused, required ones must be there. Answers are kept as given.
pub fn check_answers(questions: &[&Question], answers: &BTreeMap<String, Value>) -> Result<(), String> {
    for id in answers.keys() {
        if !questions.iter().any(|q| &q.id == id) {
            return Err(format!("评估表中没有问题「{id}」"));
        }
    }
    for q in questions {
        let Some(v) = answers.get(&q.id).filter(|v| !v.is_null()) else {
            if q.required {
                return Err(format!("请回答「{}」", q.text));
            }
            continue;
        };
        let ok = match q.kind {
            QuestionKind::Grade => v.as_str().and_then(grade_points).is_some(),
            QuestionKind::Stars => v.as_u64().is_some_and(|n| (1..=5).contains(&n)),
            QuestionKind::Score => v.as_u64().is_some_and(|n| n <= 100),
            QuestionKind::Single => v.as_u64().is_some_and(|n| (n as usize) < q.options.len()),
            QuestionKind::Multiple => v.as_array().is_some_and(|a| {
                let picked: Vec<Option<u64>> = a.iter().map(Value::as_u64).collect();
                let unique: std::collections::HashSet<_> = picked.iter().collect();
                !a.is_empty()
                    && unique.len() == a.len()
                    && picked.iter().all(|n| n.is_some_and(|n| (n as usize) < q.options.len()))
            }),
            QuestionKind::Text => v.as_str().is_some_and(|t| t.chars().count() <= MAX_TEXT),
        };
        if !ok {
            return Err(format!("「{}」的回答不在可选范围内", q.text));
        }
    }
    Ok(())
}

/// What the answers to one question add up to. `None` figures: fewer than [`MIN_GROUP`] answers (hidden).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub id: String,
    pub text: String,
    pub kind: QuestionKind,
    pub answers: usize,
    /// Fewer than 3 answers: nothing below is shown.
    pub hidden: bool,
    /// Grade: average on 100 points (非常满意 100, 满意 80, 基本满意 60, 不满意 40); stars and score: the mean.
    pub average: Option<f64>,
    /// Grade: (非常满意 + 满意) / answers, in percent.
    pub satisfaction_percent: Option<f64>,
    /// Grade, stars, choices: (label, count).
    pub distribution: Vec<(String, usize)>,
    /// Text answers (non-empty), in no particular order.
    pub comments: Vec<String>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// (非常满意 + 满意) / answers, in percent, one decimal; `None` without answers.
pub fn satisfaction(very: usize, satisfied: usize, answers: usize) -> Option<f64> {
    (answers > 0).then(|| round1((very + satisfied) as f64 * 100.0 / answers as f64))
}

/// Adds up the answers of `sheets` to `q`.
pub fn tally(q: &Question, sheets: &[&BTreeMap<String, Value>]) -> QuestionResult {
    let values: Vec<&Value> = sheets.iter().filter_map(|s| s.get(&q.id)).filter(|v| !v.is_null()).collect();
    let answers = values.len();
    let hidden = answers < MIN_GROUP;
    let mut result = QuestionResult {
        id: q.id.clone(),
        text: q.text.clone(),
        kind: q.kind,
        answers,
        hidden,
        average: None,
        satisfaction_percent: None,
        distribution: Vec::new(),
        comments: Vec::new(),
    };
    if hidden {
        return result;
    }
    let count = |pred: &dyn Fn(&Value) -> bool| values.iter().filter(|v| pred(v)).count();
    match q.kind {
        QuestionKind::Grade => {
            result.distribution = GRADES
                .iter()
                .map(|(code, label)| ((*label).to_owned(), count(&|v| v.as_str() == Some(code))))
                .collect();
            let points: Vec<f64> = values.iter().filter_map(|v| v.as_str().and_then(grade_points)).collect();
            result.average = Some(round1(points.iter().sum::<f64>() / points.len().max(1) as f64));
            result.satisfaction_percent =
                satisfaction(result.distribution[0].1, result.distribution[1].1, points.len());
        }
        QuestionKind::Stars | QuestionKind::Score => {
            let numbers: Vec<f64> = values.iter().filter_map(|v| v.as_u64()).map(|n| n as f64).collect();
            result.average = Some(round1(numbers.iter().sum::<f64>() / numbers.len().max(1) as f64));
            if q.kind == QuestionKind::Stars {
                result.distribution =
                    (1..=5u64).map(|n| (format!("{n} 星"), count(&|v| v.as_u64() == Some(n)))).collect();
            }
        }
        QuestionKind::Single | QuestionKind::Multiple => {
            result.distribution = q
                .options
                .iter()
                .enumerate()
                .map(|(i, label)| {
                    let i = i as u64;
                    let n = count(&|v| match v {
                        Value::Array(a) => a.iter().any(|x| x.as_u64() == Some(i)),
                        v => v.as_u64() == Some(i),
                    });
                    (label.clone(), n)
                })
                .collect();
        }
        QuestionKind::Text => {
            result.comments = values
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            result.comments.sort();
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sheet(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    #[test]
    fn satisfaction_is_very_satisfied_plus_satisfied_over_answers() {
        for (very, satisfied, answers, expected) in [
            (40, 9, 50, Some(98.0)),
            (1, 1, 3, Some(66.7)),
            (0, 0, 5, Some(0.0)),
            (3, 0, 3, Some(100.0)),
            (0, 0, 0, None),
        ] {
            assert_eq!(satisfaction(very, satisfied, answers), expected, "{very}+{satisfied}/{answers}");
        }
    }

    #[test]
    fn a_grade_question_gives_distribution_average_and_satisfaction_and_two_answers_are_hidden() {
        let overall = q("overall", "总体评价", QuestionKind::Grade, false, true, true);
        let a = sheet(&[("overall", json!("very_satisfied"))]);
        let b = sheet(&[("overall", json!("satisfied"))]);
        let c = sheet(&[("overall", json!("dissatisfied"))]);
        let two = tally(&overall, &[&a, &b]);
        assert!(two.hidden && two.average.is_none() && two.distribution.is_empty(), "{two:?}");
        let three = tally(&overall, &[&a, &b, &c]);
        assert_eq!(three.satisfaction_percent, Some(66.7));
        assert_eq!(three.average, Some(73.3), "(100 + 80 + 40) / 3");
        assert_eq!(three.distribution.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [1, 1, 0, 1]);
    }

    #[test]
    fn answers_out_of_range_unknown_or_missing_are_refused() {
        let mut choice = q("way", "授课方式", QuestionKind::Multiple, false, false, false);
        choice.options = vec!["讲授".into(), "研讨".into(), "案例".into()];
        let qs = default_questions();
        let mut class: Vec<&Question> = qs.iter().filter(|q| !q.per_session).collect();
        class.push(&choice);
        let good = sheet(&[
            ("organisation", json!("satisfied")),
            ("logistics", json!("fair")),
            ("overall", json!("very_satisfied")),
            ("way", json!([0, 2])),
        ]);
        assert_eq!(check_answers(&class, &good), Ok(()));
        for (bad, why) in [
            (("overall", json!("excellent")), "not a grade"),
            (("way", json!([0, 0])), "a choice twice"),
            (("way", json!([3])), "no such option"),
            (("fit", json!("satisfied")), "a course question in the class part"),
            (("comment", json!("长".repeat(501))), "text too long"),
        ] {
            let mut answers = good.clone();
            answers.insert(bad.0.into(), bad.1);
            assert!(check_answers(&class, &answers).is_err(), "{why}");
        }
        let mut missing = good.clone();
        missing.remove("overall");
        assert_eq!(check_answers(&class, &missing), Err("请回答「对本期培训班的总体评价」".into()));
        assert_eq!(check_questions(&qs), Ok(()));
    }
}
