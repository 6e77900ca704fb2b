//! rollcall: attendance, leave and completion for cadre training bases (党校, 干部学院).

pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod demo;
pub mod entity;
pub mod error;
pub mod health;
pub mod http;
pub mod kv;
pub mod pagination;
pub mod startup;
pub mod state;
pub mod telemetry;
