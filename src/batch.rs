//! Questions asked by many requests at once, answered together: a task takes every question waiting (no timer: a
//! lone question is answered at once, a burst together), answers them with one call (one statement, one commit), and
//! replies to each. The check-in path uses it for its writes and for its lookups (who a token is, which enrolment),
//! so a burst of scans costs the database a few round trips instead of a few per scan.

use std::future::Future;
use std::time::Instant;

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, DbBackend, EntityName};
use tokio::sync::{mpsc, oneshot};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::stage_timing;

/// Questions waiting for one task; a full queue answers 503 (the phone retries with the same nonce).
const QUEUE: usize = 4096;

/// The answer, and when its batch started and ended (for [`crate::stage_timing`]).
type Reply<A> = oneshot::Sender<(Result<A, ErrorCode>, Instant, Instant)>;

/// A handle to one batching task.
pub struct Batcher<Q, A> {
    what: &'static str,
    queue: mpsc::Sender<(Q, Reply<A>)>,
}

impl<Q, A> Clone for Batcher<Q, A> {
    fn clone(&self) -> Self {
        Self { what: self.what, queue: self.queue.clone() }
    }
}

impl<Q: Send + 'static, A: Send + 'static> Batcher<Q, A> {
    /// Starts the task. `answer` gets up to `max` questions and returns one answer per question, in order; an error
    /// is logged and answers every question of the batch with 503.
    pub fn start<F, Fut>(what: &'static str, max: usize, answer: F) -> Self
    where
        F: Fn(Vec<Q>) -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<Vec<A>>> + Send,
    {
        let (queue, mut rx) = mpsc::channel::<(Q, Reply<A>)>(QUEUE);
        let max = max.max(1);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max);
            while rx.recv_many(&mut batch, max).await > 0 {
                let started = Instant::now();
                let (questions, replies): (Vec<Q>, Vec<Reply<A>>) = batch.drain(..).unzip();
                let n = questions.len();
                let result = answer(questions).await;
                let ended = Instant::now();
                match result {
                    Ok(answers) if answers.len() == n => {
                        // A question whose asker gave up waiting still had its effect (a check-in stored): the retry
                        // with the same nonce finds it.
                        for (a, reply) in answers.into_iter().zip(replies) {
                            let _ = reply.send((Ok(a), started, ended));
                        }
                    }
                    result => {
                        match result {
                            Err(err) => tracing::error!(error = %err, questions = n, "{what} failed"),
                            Ok(answers) => {
                                tracing::error!(questions = n, answers = answers.len(), "{what} answered wrongly")
                            }
                        }
                        for reply in replies {
                            let _ = reply.send((Err(ErrorCode::ServiceUnavailable), started, ended));
                        }
                    }
                }
            }
        });
        Self { what, queue }
    }

    /// Asks one question and waits for its answer. With [`crate::stage_timing`] on, records how long the question
    /// waited for its batch to start, how long the batch ran and how long this task took to wake after it.
    pub async fn ask(&self, question: Q) -> AppResult<A> {
        let asked = Instant::now();
        let (reply, answer) = oneshot::channel();
        self.queue.try_send((question, reply)).map_err(|_| {
            AppError::new(ErrorCode::ServiceUnavailable).caused_by(anyhow::anyhow!("{} queue full", self.what))
        })?;
        let (answer, started, ended) =
            answer.await.map_err(|_| AppError::internal(anyhow::anyhow!("{} stopped", self.what)))?;
        if stage_timing::enabled() {
            stage_timing::record((self.what, "queued"), started.saturating_duration_since(asked));
            stage_timing::record((self.what, "ran"), ended.saturating_duration_since(started));
            stage_timing::record((self.what, "woke"), ended.elapsed());
        }
        answer.map_err(AppError::new)
    }
}

/// `column IN (values)` for a batch, as text that does not change with the batch's size on PostgreSQL: there it is
/// `column = ANY($1::<pg_type>[])` with the values as one array parameter, so the statement stays prepared on every
/// connection (an `IN` list is new text for each count, parsed and planned again once the connection's statement
/// cache has cycled). Elsewhere (SQLite) the plain `IN` list.
pub fn one_of<C, V>(backend: DbBackend, column: C, pg_type: &str, values: impl IntoIterator<Item = V>) -> SimpleExpr
where
    C: ColumnTrait,
    V: std::fmt::Display + Into<sea_orm::Value>,
{
    if backend != DbBackend::Postgres {
        return column.is_in(values);
    }
    let table = <C::EntityName as Default>::default().table_name();
    let sql = format!(r#""{table}"."{}" = ANY($1::{pg_type}[])"#, column.as_str());
    Expr::cust_with_values(sql, [pg_array(values)])
}

/// A PostgreSQL array literal of the values, each quoted (`{"a","b"}`), for a `$n::type[]` parameter.
fn pg_array<V: std::fmt::Display>(values: impl IntoIterator<Item = V>) -> String {
    let mut out = String::from("{");
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in v.to_string().chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn waiting_questions_are_answered_together_and_each_gets_its_own_answer() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let doubler = Batcher::start("doubling", 64, move |qs: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { Ok(qs.into_iter().map(|q| q * 2).collect()) }
        });
        // Asked together before the task runs: one batch (the runtime is single-threaded).
        let asks: Vec<_> = (0..10u32).map(|i| doubler.ask(i)).collect();
        let answers: Vec<u32> = futures_util::future::join_all(asks).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, (0..10).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one call for the ten questions waiting");
        assert_eq!(doubler.ask(21).await.unwrap(), 42, "a lone question is answered without waiting for more");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_batch_answers_every_question_with_503() {
        let failing = Batcher::start("failing", 8, |qs: Vec<u32>| async move {
            if qs.len() > 1 { anyhow::bail!("database gone") } else { Ok(Vec::<u32>::new()) }
        });
        let (a, b) = tokio::join!(failing.ask(1), failing.ask(2));
        assert_eq!(a.unwrap_err().code, ErrorCode::ServiceUnavailable);
        assert_eq!(b.unwrap_err().code, ErrorCode::ServiceUnavailable);
        // Too few answers is a bug, not a silent success.
        assert_eq!(failing.ask(3).await.unwrap_err().code, ErrorCode::ServiceUnavailable);
    }

    #[test]
    fn an_array_literal_quotes_every_value() {
        assert_eq!(pg_array(["ab", "c\"d", "e\\f"]), r#"{"ab","c\"d","e\\f"}"#);
        assert_eq!(pg_array(Vec::<String>::new()), "{}");
    }
}
