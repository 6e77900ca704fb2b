//! The class attendance chart: one stacked bar per held session (出勤, 迟到, 早退, 请假, 旷课, 不计考勤, 未记录, bottom up, as
//! shares of the roster), drawn as SVG on the server so the console needs no chart script and prints as it shows.
//! Each bar carries a `<title>` (the session and its numbers) that browsers show on hover.

use std::fmt::Write;

use super::unit::SessionTally;

/// How many of a session's roster are in a segment.
type Count = fn(&SessionTally) -> u64;

/// The segments bottom up: label, colour, and how many of a session's roster are in it.
const SEGMENTS: [(&str, &str, Count); 7] = [
    ("出勤", "#2e7d32", |s| s.tally.present),
    ("迟到", "#f0a202", |s| s.tally.late),
    ("早退", "#e07b00", |s| s.tally.early_leave),
    ("请假", "#5b8def", |s| s.tally.leave),
    ("旷课", "#c62828", |s| s.tally.absent),
    ("不计考勤", "#9ca3af", |s| s.tally.exempt),
    ("未记录", "#d9dce1", |s| s.expected.saturating_sub(s.tally.recorded())),
];

const BAR: u32 = 16;
const GAP: u32 = 6;
const LEFT: u32 = 40;
const TOP: u32 = 30;
const PLOT: u32 = 180;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The chart of `sessions` (in time order), or `None` when none has been held yet.
pub fn attendance_svg(sessions: &[SessionTally]) -> Option<String> {
    if sessions.is_empty() {
        return None;
    }
    let china = crate::clock::china();
    let n = sessions.len() as u32;
    let width = (LEFT + n * (BAR + GAP) + GAP).max(420);
    let height = TOP + PLOT + 40;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="各课程考勤情况（按名单人数的比例）">"##
    );
    // The legend.
    let mut x = LEFT;
    for (label, colour, _) in SEGMENTS {
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/><text x="{}" y="15" font-size="11" fill="#4b5563">{label}</text>"##,
            x + 14
        );
        x += 14 + 12 * label.chars().count() as u32 + 14;
    }
    // The axis: 0, 50 % and 100 % of the roster.
    for (share, label) in [(0u32, "0"), (50, "50%"), (100, "100%")] {
        let y = TOP + PLOT - PLOT * share / 100;
        let _ = write!(
            svg,
            r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#e3e5e8"/><text x="{}" y="{}" font-size="10" fill="#6b7280" text-anchor="end">{label}</text>"##,
            LEFT - 4,
            width - GAP,
            LEFT - 6,
            y + 3
        );
    }
    let mut last_day = None;
    for (i, s) in sessions.iter().enumerate() {
        let x = LEFT + GAP + i as u32 * (BAR + GAP);
        let local = s.starts_at.with_timezone(&china);
        let tally = &s.tally;
        let title = format!(
            "{} {}：应到 {}，出勤 {}，迟到 {}，早退 {}，请假 {}，旷课 {}，未记录 {}",
            local.format("%m-%d %H:%M"),
            s.title,
            s.expected,
            tally.present,
            tally.late,
            tally.early_leave,
            tally.leave,
            tally.absent,
            s.expected.saturating_sub(tally.recorded())
        );
        let _ = write!(svg, "<g><title>{}</title>", escape(&title));
        let expected = s.expected.max(1) as f64;
        let mut bottom = f64::from(TOP + PLOT);
        for (_, colour, count) in SEGMENTS {
            let h = count(s) as f64 / expected * f64::from(PLOT);
            if h > 0.0 {
                let _ = write!(
                    svg,
                    r#"<rect x="{x}" y="{:.1}" width="{BAR}" height="{h:.1}" fill="{colour}"/>"#,
                    bottom - h
                );
                bottom -= h;
            }
        }
        svg.push_str("</g>");
        // The date under the first session of each day.
        let day = local.date_naive();
        if last_day != Some(day) {
            let _ = write!(
                svg,
                r##"<text x="{x}" y="{}" font-size="10" fill="#4b5563">{}</text>"##,
                TOP + PLOT + 14,
                local.format("%m-%d")
            );
            last_day = Some(day);
        }
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="9" fill="#9ca3af" text-anchor="middle">{}</text>"##,
            x + BAR / 2,
            TOP + PLOT + 28,
            i + 1
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attendance::model::Tally;

    fn at(hour: u32, day: u32) -> chrono::DateTime<chrono::Utc> {
        use chrono::TimeZone;
        chrono::Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn each_session_is_a_bar_of_its_shares_with_its_numbers_escaped_in_the_title() {
        let tally = Tally { present: 20, late: 5, early_leave: 0, leave: 5, absent: 5, exempt: 0 };
        let sessions = vec![
            SessionTally {
                title: "讲座 <A&B>".into(), starts_at: at(0, 23), ends_at: at(2, 23), expected: 40, tally
            },
            SessionTally {
                title: "研讨".into(),
                starts_at: at(6, 23),
                ends_at: at(8, 23),
                expected: 40,
                tally: Tally::default(),
            },
        ];
        let svg = attendance_svg(&sessions).unwrap();
        assert!(svg.contains("讲座 &lt;A&amp;B&gt;") && !svg.contains("<A&B>"), "{svg}");
        assert!(svg.contains("应到 40，出勤 20，迟到 5，早退 0，请假 5，旷课 5，未记录 5"), "{svg}");
        // 20 of 40 present: half the plot (90 of 180); the second session is all 未记录.
        assert!(svg.contains(r##"height="90.0" fill="#2e7d32""##), "{svg}");
        assert!(svg.contains(r##"height="180.0" fill="#d9dce1""##), "{svg}");
        assert_eq!(svg.matches("<g><title>").count(), 2);
        assert_eq!(svg.matches(">11-23<").count(), 1, "one date label per day");
        assert!(attendance_svg(&[]).is_none());
    }
}
