//! Course evaluation and satisfaction (教学评估, 满意度测评): forms per class, answered anonymously on the phone,
//! chased through the inbox, added up per course and for the class.

pub mod defaults;
pub mod export;
pub mod form;
pub mod reminders;
pub mod service;
pub mod teachers;

pub use form::{Question, QuestionKind, QuestionResult};
