//! File names made from people's text (holder names, unit names, class codes) for downloads and ZIP entries.
//! Most bases open these on Windows, and some unzip tools write entries where their names say: a name must never
//! climb out of the folder (`../`), name a folder, or use what Windows refuses.

/// Longest name kept, in characters (Windows allows 255 UTF-16 units; paths add to it).
const MAX_CHARS: usize = 120;

/// A single file name that is safe on Windows, macOS and Linux and inside a ZIP: path separators, `: * ? " < > |`
/// and control characters become `_`; leading and trailing dots and spaces go; device names such as `CON` get a
/// `_` prefix; an empty result becomes `未命名`. The extension, if any, is kept when the name is shortened.
pub fn safe(raw: &str) -> String {
    let replaced: String =
        raw.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let mut name = shorten(trimmed);
    if name.is_empty() {
        name = "未命名".to_owned();
    }
    let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved { format!("_{name}") } else { name }
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_CHARS {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 8 => (stem, Some(ext)),
        _ => (name, None),
    };
    let keep = MAX_CHARS - ext.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(keep).collect();
    let stem = stem.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn names_that_climb_or_that_windows_refuses_are_made_safe() {
        let cases = [
            ("../../x.pdf", "_.._x.pdf", "parent folders"),
            ("..\\..\\x.pdf", "_.._x.pdf", "Windows separators"),
            ("C:\\Windows\\x.pdf", "C__Windows_x.pdf", "drive letters"),
            ("李<四>:\"|?*.pdf", "李_四______.pdf", "reserved characters"),
            ("CON.pdf", "_CON.pdf", "device names"),
            ("com1", "_com1", "device names in any case"),
            ("  ..  ", "未命名", "nothing left"),
            ("张三\u{0}\n.pdf", "张三__.pdf", "control characters"),
            ("KX-2026-001_王五.pdf", "KX-2026-001_王五.pdf", "ordinary names stay as they are"),
        ];
        for (raw, want, why) in cases {
            assert_eq!(safe(raw), want, "{why}");
        }
    }

    #[test]
    fn a_long_name_keeps_its_extension() {
        let name = safe(&format!("{}.pdf", "长".repeat(300)));
        assert_eq!(name.chars().count(), MAX_CHARS);
        assert!(name.ends_with(".pdf"));
    }

    proptest! {
        #[test]
        fn no_name_can_leave_its_folder(raw in any::<String>()) {
            let name = safe(&raw);
            prop_assert!(!name.is_empty());
            prop_assert!(!name.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']));
            prop_assert!(!name.chars().any(char::is_control));
            prop_assert!(!name.starts_with('.') && !name.ends_with('.') && !name.ends_with(' '));
            prop_assert!(name.chars().count() <= MAX_CHARS + 1);
        }
    }
}
