//! Trainees' personal information as the Personal Information Protection Law (个人信息保护法) expects: a notice shown
//! and recorded before a phone is bound, and retention rules that remove what is no longer needed (raw positions,
//! browser details and addresses of check-in attempts, device ids once a class has ended, sick-note and evidence
//! images a year after the class, dead tokens), each purge counted in the audit trail; a person's own copy of
//! their data, and an administrator's erasure of a person (keeping what the archive needs). (Downloads of files carrying phone numbers are recorded by `audit::downloads`.)

pub mod copy_pdf;
pub mod erasure;
pub mod export;
pub mod notice;
pub mod people;
pub mod retention;
