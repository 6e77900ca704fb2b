#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

//! The integration suite: one binary, one module per area. Every test starts its own app on a fresh database.
//! `ROLLCALL_TEST_BACKEND=postgres` runs the same tests against PostgreSQL + Redis.

mod architecture;
mod audit;
mod auth;
mod authz;
mod browser;
mod browser_console;
mod browser_console_day;
mod browser_me;
mod browser_me_evaluation;
mod browser_monitor;
mod browser_online;
mod browser_print;
mod browser_screen;
mod certificates;
mod checkin;
mod classes;
mod cli;
mod console;
mod console_admin;
mod console_class;
mod console_evaluation;
mod console_evaluation_builder;
mod console_evaluation_teachers;
mod console_leave;
mod deploy;
mod discipline;
mod e2e;
mod errors;
mod evaluation;
mod fake_wechat;
mod health;
mod helpers;
mod hostile;
mod kv;
mod leave;
mod live;
mod nginx;
mod notice;
mod online;
mod openapi;
mod outage;
mod outbox;
mod phones;
mod privacy;
mod process;
mod reports;
mod roster;
mod screen;
mod staff;
mod timetable;
mod trainee;
mod warnings;
