//! rollcall: attendance, leave and completion for cadre training bases (党校, 干部学院).

pub mod attendance;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod checkin;
pub mod class;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod entity;
pub mod error;
pub mod geo;
pub mod health;
pub mod http;
pub mod kv;
pub mod pagination;
pub mod qr;
pub mod roster;
pub mod startup;
pub mod state;
pub mod tabular;
pub mod telemetry;
pub mod timetable;
pub mod trainee;
pub mod web;
