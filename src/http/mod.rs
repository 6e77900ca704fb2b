//! The HTTP face of rollcall: routing, the OpenAPI document, and the JSON answers for unknown routes and methods.

pub mod deadline;
pub mod error;
pub mod extract;
pub mod headers;
pub mod input;
pub mod openapi;
pub mod request_span;
pub mod routes;
pub mod sse;
pub mod upload;

use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{AppError, ErrorCode};

/// Path templates of the documented API and the methods each accepts; answers 405 vs 404 for requests that no
/// route took.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Arc<Vec<Route>>,
}

/// A documented path template: its segments, which of them are literal (not `{param}`), and its methods.
#[derive(Debug)]
struct Route {
    segments: Vec<String>,
    literals: Vec<bool>,
    methods: Vec<Method>,
}

impl RouteTable {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments: Vec<String> = path.trim_matches('/').split('/').map(str::to_owned).collect();
                let literals = segments.iter().map(|t| !t.starts_with('{')).collect();
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
                Route { segments, literals, methods }
            })
            .collect();
        Self { routes: Arc::new(routes) }
    }

    /// The methods allowed on `path`, when some documented route has that shape. When several templates match,
    /// only the most specific count: a literal segment beats a parameter (`/roster/import` beats
    /// `/roster/{enrollment_id}`), leftmost first, as a reader of the document would expect.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        // Only the leading slash: `/staff/` and `//staff` are other paths (404 whatever the method), as the router
        // sees them. Every request passes here, so nothing is allocated until a template matches.
        let path = path.strip_prefix('/').unwrap_or(path);
        let parts = path.split('/').count();
        let mut best: Option<(&[bool], Vec<Method>)> = None;
        for route in self.routes.iter() {
            if route.segments.len() != parts {
                continue;
            }
            let matches = route
                .segments
                .iter()
                .zip(path.split('/'))
                .zip(&route.literals)
                .all(|((t, p), lit)| if *lit { t == p } else { !p.is_empty() });
            if !matches {
                continue;
            }
            let literals = route.literals.as_slice();
            match &mut best {
                Some((seen, allowed)) if *seen == literals => allowed.extend(route.methods.iter().cloned()),
                Some((seen, _)) if *seen > literals => {}
                _ => best = Some((literals, route.methods.clone())),
            }
        }
        best.map(|(_, allowed)| allowed)
    }
}

fn method_not_allowed(methods: &[Method]) -> HttpResponse {
    let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    let mut response = actix_web::ResponseError::error_response(&AppError::new(ErrorCode::MethodNotAllowed));
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Answers 405 before routing when the documented route for the path does not take the method. Without it, a
/// request whose path also fits an overlapping template would reach that template's handler: `DELETE
/// /classes/{id}/roster/import` would try to withdraw a trainee called "import" and answer 400 `invalid_path`.
pub async fn reject_undocumented_methods(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = req
        .app_data::<web::Data<RouteTable>>()
        .and_then(|table| table.allowed(req.path()))
        .filter(|methods| !methods.contains(req.method()));
    match refused {
        Some(methods) => Ok(req.into_response(method_not_allowed(&methods)).map_into_right_body()),
        None => next.call(req).await.map(ServiceResponse::map_into_left_body),
    }
}

/// What no route took: 405 with `Allow` when the path exists with other methods, else 404. Both in JSON.
pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    match table.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => method_not_allowed(&methods),
        _ => actix_web::ResponseError::error_response(&AppError::with_message(ErrorCode::NotFound, "请求的地址不存在")),
    }
}
