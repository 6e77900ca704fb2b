//! Parsing what people and phones send rollcall, before anything trusts it: uploaded spreadsheets, the bytes of a
//! scanned QR token, reported positions, page numbers. Pure functions with caps on what they read; no I/O, no HTTP,
//! no database. Kept apart from the service so the fuzz targets in `fuzz/` build in a minute.

pub mod geo;
pub mod page;
pub mod qr;
pub mod sheet;
