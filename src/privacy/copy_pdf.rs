//! The person's copy (个人信息副本) as an A4 PDF a trainee can read, print or hand on: the same document as the
//! JSON copy, section by section, in Chinese, with times in China time.

use printpdf::{ParsedFont, PdfDocument};

use super::export::PersonData;
use crate::clock::local_minute as when;
use crate::error::ErrorCode;
use crate::pdf::{LEFT, Writer};

/// Usable width of the page, mm.
const WIDTH: f32 = 178.0;
const SIZE: f32 = 9.0;

fn or_dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into())
}

/// A check-in attempt's result in words.
fn result_label(result: &str) -> String {
    match result {
        "ok" => "签到成功".into(),
        "already" => "已签到过".into(),
        code => ErrorCode::ALL
            .iter()
            .find(|c| c.as_str() == code)
            .map(|c| c.default_message().to_owned())
            .unwrap_or_else(|| code.to_owned()),
    }
}

/// A table: a header row of `(title, width mm)` and rows of cells, the header repeated on each new page (none when
/// every title is empty).
fn table(w: &mut Writer, columns: &[(&str, f32)], rows: Vec<Vec<String>>, empty: &str) {
    if rows.is_empty() {
        w.row(SIZE, &[(LEFT, empty.to_owned())]);
        return;
    }
    let mut x = LEFT;
    let mut at = Vec::with_capacity(columns.len());
    for (_, width) in columns {
        at.push((x, width - 2.0));
        x += width;
    }
    let header: Vec<(f32, f32, String)> =
        at.iter().zip(columns).map(|((x, wd), (title, _))| (*x, *wd, (*title).to_owned())).collect();
    let titled = columns.iter().any(|(title, _)| !title.is_empty());
    if titled {
        w.wrapped_row(SIZE, &header, None);
    }
    for row in rows {
        let cells: Vec<(f32, f32, String)> = at.iter().zip(row).map(|((x, wd), c)| (*x, *wd, c)).collect();
        w.wrapped_row(SIZE, &cells, titled.then_some(header.as_slice()));
    }
}

fn heading(w: &mut Writer, text: &str) {
    w.gap(3.0);
    w.row(12.0, &[(LEFT, text.to_owned())]);
}

pub fn pdf(font: &ParsedFont, d: &PersonData) -> Vec<u8> {
    let title = format!("个人信息副本 · {}", d.person.name);
    let mut doc = PdfDocument::new(&title);
    let font_id = doc.add_font(font);
    let mut w = Writer::new(font_id);
    w.row(18.0, &[(LEFT, title)]);
    w.row(SIZE, &[(LEFT, format!("生成时间：{}（北京时间）", when(d.exported_at)))]);
    w.row(SIZE, &[(LEFT, "本副本列出本系统保存的您的全部个人信息，仅含您本人的记录。".to_owned())]);

    heading(&mut w, "一、基本信息");
    let p = &d.person;
    let basics = vec![
        vec!["姓名".into(), p.name.clone(), "性别".into(), or_dash(p.gender.clone())],
        vec!["手机号".into(), p.phone.clone(), "工作单位".into(), p.unit.clone()],
        vec!["职务".into(), or_dash(p.post.clone()), "职级".into(), or_dash(p.rank.clone())],
    ];
    table(&mut w, &[("", 24.0), ("", 65.0), ("", 24.0), ("", 65.0)], basics, "");
    if let Some(at) = p.erased_at {
        w.row(SIZE, &[(LEFT, format!("您的个人信息已于 {} 按要求删除，仅保留档案所需的内容。", when(at)))]);
    }

    heading(&mut w, "二、参加的培训班");
    let rows = d
        .enrolments
        .iter()
        .map(|e| {
            let bound = match (e.phone_bound, e.wechat_bound) {
                (_, true) => "已绑定微信",
                (true, false) => "已绑定手机",
                _ => "未绑定",
            };
            let notice = match (&e.notice_version, e.notice_shown_at) {
                (Some(v), Some(at)) => format!("{v}（{}）", when(at)),
                _ => "—".into(),
            };
            vec![
                format!("{}（{}）", e.class_name, e.class_code),
                format!("{} 至 {}", e.start_date, e.end_date),
                if e.status == "active" { "在读".into() } else { "已退学".into() },
                bound.into(),
                notice,
            ]
        })
        .collect();
    let columns =
        [("培训班", 50.0), ("日期", 40.0), ("状态", 16.0), ("绑定", 24.0), ("个人信息告知（版本、时间）", 48.0)];
    table(&mut w, &columns, rows, "没有报名记录。");

    heading(&mut w, "三、考勤");
    for c in &d.attendance.classes {
        let t = &c.totals;
        w.row(
            SIZE,
            &[(
                LEFT,
                format!(
                    "{}：出勤 {}、迟到 {}、早退 {}、缺勤 {}、请假 {}，获得学时 {}",
                    c.class_name, t.present, t.late, t.early_leave, t.absent, t.leave, t.credit_hours_earned
                ),
            )],
        );
    }
    let rows = d
        .attendance
        .sessions
        .iter()
        .map(|s| {
            vec![
                when(s.starts_at),
                s.title.clone(),
                s.credit_hours.to_string(),
                s.status_label.clone(),
                s.checked_in_at.map(when).unwrap_or_else(|| "—".into()),
                or_dash(s.note.clone()),
            ]
        })
        .collect();
    let columns =
        [("上课时间", 30.0), ("课程", 50.0), ("学时", 12.0), ("状态", 18.0), ("签到时间", 30.0), ("说明", 38.0)];
    table(&mut w, &columns, rows, "没有考勤记录。");

    heading(&mut w, "四、签到记录（仍在保存期内的）");
    let rows = d
        .checkin_attempts
        .iter()
        .map(|a| {
            let position = match (a.lat, a.lng) {
                (Some(lat), Some(lng)) => format!("{lat:.5}, {lng:.5}"),
                _ => "未保存".into(),
            };
            let distance = a.distance_m.map(|m| format!("{m:.0} 米")).unwrap_or_else(|| "—".into());
            vec![
                when(a.at),
                result_label(&a.result),
                distance,
                position,
                or_dash(a.client_addr.clone()),
                or_dash(a.user_agent.clone().map(|u| u.chars().take(60).collect())),
            ]
        })
        .collect();
    let columns =
        [("时间", 28.0), ("结果", 36.0), ("距离", 16.0), ("位置", 30.0), ("网络地址", 26.0), ("浏览器", 42.0)];
    table(&mut w, &columns, rows, "没有签到记录。");

    heading(&mut w, "五、请假");
    let rows = d
        .leave_requests
        .iter()
        .map(|l| {
            vec![
                l.kind_label.clone(),
                format!("{} 至 {}", when(l.starts_at), when(l.ends_at)),
                l.credit_hours.to_string(),
                l.status_label.clone(),
                l.reason.clone(),
            ]
        })
        .collect();
    table(
        &mut w,
        &[("类别", 18.0), ("时间", 62.0), ("学时", 12.0), ("状态", 20.0), ("事由", 66.0)],
        rows,
        "没有请假记录。",
    );

    heading(&mut w, "六、违纪记录");
    let rows = d
        .discipline
        .iter()
        .map(|r| {
            vec![
                when(r.occurred_at),
                format!("{}（{}）", r.category_label, r.severity_label),
                r.description.clone(),
                if r.annulled {
                    format!("已撤销：{}", r.annul_reason.clone().unwrap_or_default())
                } else {
                    "有效".into()
                },
            ]
        })
        .collect();
    table(&mut w, &[("时间", 30.0), ("类别", 40.0), ("情况", 70.0), ("状态", 38.0)], rows, "没有违纪记录。");

    heading(&mut w, "七、结业审核与结业证书");
    let rows = d
        .completion
        .iter()
        .map(|c| {
            let reasons = c.reasons.iter().map(|r| r.message.clone()).collect::<Vec<_>>().join("；");
            vec![c.class_name.clone(), c.status_label.clone(), c.attended_hours.clone(), or_dash(Some(reasons))]
        })
        .collect();
    table(&mut w, &[("培训班", 56.0), ("结论", 26.0), ("出勤学时", 20.0), ("原因", 76.0)], rows, "没有结业审核记录。");
    w.gap(2.0);
    let rows = d
        .certificates
        .iter()
        .map(|c| {
            vec![
                c.serial.clone(),
                c.issue_date.to_string(),
                c.credit_hours.clone(),
                if c.revoked { "已撤销".into() } else { "有效".into() },
                c.verify_url.clone(),
            ]
        })
        .collect();
    let columns = [("证书编号", 36.0), ("发证日期", 24.0), ("学时", 14.0), ("状态", 16.0), ("查验网址", 88.0)];
    table(&mut w, &columns, rows, "没有结业证书。");

    heading(&mut w, "八、学时档案");
    let h = &d.hours;
    let rows = h
        .years
        .iter()
        .map(|y| {
            let met = match y.met {
                Some(true) => "已达标",
                Some(false) => "未达标",
                None => "—",
            };
            vec![format!("{} 年", y.year), y.hours.clone(), or_dash(y.required.clone()), met.into()]
        })
        .collect();
    table(&mut w, &[("年度", 30.0), ("学时", 30.0), ("要求", 30.0), ("是否达标", 30.0)], rows, "没有学时记录。");
    let five = &h.five_years;
    w.row(SIZE, &[(LEFT, format!("{}—{} 年累计：{} 学时", five.from_year, five.to_year, five.hours))]);

    heading(&mut w, "九、教学评估");
    let rows = d
        .evaluations_answered
        .iter()
        .map(|e| {
            let part = if e.part == "class" { "培训班总体评价".into() } else { "课程评价".to_owned() };
            vec![part, e.submitted_on.to_string()]
        })
        .collect();
    table(&mut w, &[("提交的部分", 60.0), ("提交日期", 40.0)], rows, "没有提交过教学评估。");

    heading(&mut w, "说明");
    for note in &d.notes {
        let lines = crate::pdf::wrap(note, WIDTH, SIZE);
        for line in lines {
            w.row(SIZE, &[(LEFT, line)]);
        }
    }
    w.save(doc)
}
