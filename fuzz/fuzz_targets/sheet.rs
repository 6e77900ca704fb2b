//! Any upload, XLSX or CSV or neither: read within the caps or refused, never a panic, never an allocation past
//! libFuzzer's `-malloc_limit_mb`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_intake::sheet::{Limits, read};

const LIMITS: Limits = Limits { max_rows: 200, max_columns: 16, max_cell_chars: 100, max_unzipped_bytes: 8 << 20 };

fuzz_target!(|data: &[u8]| {
    if let Ok(sheet) = read(data, LIMITS) {
        assert!(sheet.rows.len() <= LIMITS.max_rows);
        for (_, cells) in &sheet.rows {
            assert!(cells.len() <= LIMITS.max_columns.max(sheet.headers.len()));
            assert!(cells.iter().all(|c| c.chars().count() <= LIMITS.max_cell_chars && !c.contains('\0')));
        }
    }
});
