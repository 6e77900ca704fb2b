//! The span every request is logged in. It names the route template and the path, never the query string:
//! invite codes (`/h5/bind?code=`), screen keys and signed print links travel there, and a log line must not be
//! a way to read them. The client address is left out too (behind a proxy the header value is the client's to
//! choose; [`super::extract::client_addr`] is what the rate limits use).

use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing::field::{Empty, display};
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let span = tracing::info_span!(
            "HTTP request",
            http.method = Empty,
            http.route = Empty,
            http.target = Empty,
            request_id = Empty,
            http.status_code = Empty,
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
        );
        // Matching the route template again costs a regex per request: only when the span is kept (the log filter
        // takes `info` spans); the check-in profile found it costing 2–3% of the server with spans filtered out.
        if !span.is_disabled() {
            let route = request.match_pattern().unwrap_or_else(|| "default".to_owned());
            let request_id = request.extensions().get::<RequestId>().copied();
            span.record("http.method", display(request.method()));
            span.record("http.route", display(&route));
            span.record("http.target", display(request.path()));
            span.record("request_id", display(request_id.map(|id| id.to_string()).unwrap_or_default()));
        }
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
