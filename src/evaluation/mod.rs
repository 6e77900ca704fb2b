//! Course evaluation and satisfaction (教学评估, 满意度测评): forms per class, answered anonymously on the phone,
//! chased through the inbox, added up per course and for the class.

pub mod export;
pub mod form;
pub mod service;

pub use form::{Question, QuestionKind, QuestionResult};
