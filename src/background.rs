//! A thread of its own for work that must not run on a thread serving requests.

use std::future::Future;
use std::sync::OnceLock;

/// Runs `task` on the process's background thread, never on a thread serving requests. A task spawned on an HTTP
/// worker runs between that worker's requests and holds them up until it yields: the enrolment index's read of a
/// 60,000-trainee class did, and read every 5 s it took the paced check-in run's p99 from 5-7 ms to 15-28 ms. On a
/// thread of its own it is preempted by the operating system like any other, and the workers keep answering. If
/// that thread could not be started, the task runs on the caller's runtime as before.
pub fn off_request_path<F>(task: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    static BACKGROUND: OnceLock<Option<tokio::runtime::Handle>> = OnceLock::new();
    match BACKGROUND.get_or_init(start) {
        Some(handle) => handle.spawn(task),
        None => tokio::spawn(task),
    }
}

fn start() -> Option<tokio::runtime::Handle> {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(error = %err, "cannot start the background runtime; background work shares the workers");
            return None;
        }
    };
    let handle = runtime.handle().clone();
    let started = std::thread::Builder::new()
        .name("rollcall-background".into())
        .spawn(move || runtime.block_on(std::future::pending::<()>()));
    match started {
        Ok(_) => Some(handle),
        Err(err) => {
            tracing::error!(error = %err, "cannot start the background thread; background work shares the workers");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_off_the_request_path_runs_on_its_own_thread_and_answers() {
        let here = std::thread::current().id();
        let (there, answer) = off_request_path(async { (std::thread::current().id(), 6 * 7) }).await.unwrap();
        assert_eq!(answer, 42);
        assert_ne!(there, here, "not on the caller's thread");
        let name = off_request_path(async { std::thread::current().name().map(str::to_owned) }).await.unwrap();
        assert_eq!(name.as_deref(), Some("rollcall-background"));
    }
}
