//! The HTTP face of rollcall: routing, the OpenAPI document, and the JSON answers for unknown routes and methods.

pub mod deadline;
pub mod error;
pub mod extract;
pub mod headers;
pub mod input;
pub mod openapi;
pub mod routes;
pub mod upload;

use std::sync::Arc;

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{AppError, ErrorCode};

/// Path templates of the documented API and the methods each accepts; answers 405 vs 404 for requests that no
/// route took.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Arc<Vec<(Vec<String>, Vec<Method>)>>,
}

impl RouteTable {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.trim_matches('/').split('/').map(str::to_owned).collect();
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes: Arc::new(routes) }
    }

    /// The methods allowed on `path`, when some documented route has that shape.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut allowed: Vec<Method> = Vec::new();
        for (template, methods) in self.routes.iter() {
            let matches = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p);
            if matches {
                allowed.extend(methods.iter().cloned());
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

/// What no route took: 405 with `Allow` when the path exists with other methods, else 404. Both in JSON.
pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    match table.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => {
            let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
            let mut response = actix_web::ResponseError::error_response(&AppError::new(ErrorCode::MethodNotAllowed));
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        _ => actix_web::ResponseError::error_response(&AppError::with_message(ErrorCode::NotFound, "请求的地址不存在")),
    }
}
