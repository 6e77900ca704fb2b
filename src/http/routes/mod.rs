//! Thin handlers, one file per area, registered with `.service(..)` so utoipa-actix-web documents them.

pub mod audit;
pub mod auth;
pub mod health;
pub mod staff;

use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(auth::login)
        .service(auth::logout)
        .service(auth::me)
        .service(auth::change_password)
        .service(staff::create)
        .service(staff::list)
        .service(staff::get)
        .service(staff::disable)
        .service(staff::enable)
        .service(staff::reset_password)
        .service(audit::list);
}
