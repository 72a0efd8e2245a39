//! Running compile jobs in parallel without oversubscribing the machine.
//!
//! Inside a build script cargo hands out a jobserver: this build already
//! holds one implicit token, and each extra thread must first acquire one,
//! so `cargo build -j N` caps the total number of clang processes across all
//! crates being built. Outside cargo (tests, tools) the pool falls back to
//! the available parallelism.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs `f` on every item, in parallel, and returns the results in input
/// order.
///
/// Workers take items from a shared queue; every worker but the calling
/// thread holds a jobserver token while it works. A worker that cannot get a
/// token before the queue is empty does not start, so the build degrades to
/// fewer threads rather than failing or deadlocking.
pub fn run_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    run_with(items, jobserver_client(), f)
}

fn run_with<T: Sync, R: Send>(
    items: &[T],
    client: Option<jobserver::Client>,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let client = match client {
        Some(c) if items.len() > 1 => c,
        _ => return items.iter().map(&f).collect(),
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        let r = f(item);
        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
    };

    // Tokens are acquired by jobserver's helper thread and handed over on a
    // channel, never by blocking a worker: inside cargo every token may be
    // held by build scripts like this one, and a worker blocked in
    // `acquire()` would then wait forever while we wait for it. Dropping the
    // helper cancels the requests still pending, and a token that arrives
    // after the work is done is released when the channel is dropped.
    let (tx, rx) = std::sync::mpsc::channel::<jobserver::Acquired>();
    let helper = client
        .into_helper_thread(move |token| {
            if let Ok(token) = token {
                let _ = tx.send(token);
            }
        })
        .ok();
    if let Some(helper) = &helper {
        for _ in 1..items.len() {
            helper.request_token();
        }
    }

    std::thread::scope(|scope| {
        let work = &work;
        // The first worker runs on the implicit token every build script holds.
        scope.spawn(work);
        while next.load(Ordering::Relaxed) < items.len() {
            if let Ok(token) = rx.recv_timeout(std::time::Duration::from_millis(5)) {
                scope.spawn(move || {
                    let _token = token; // held while this worker takes items
                    work();
                });
            }
        }
        // Every item is taken: stop asking for tokens.
        drop(helper);
    });

    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item is processed exactly once"))
        .collect()
}

/// Cargo's jobserver when running under cargo, else a local one sized to
/// the machine (minus the implicit token of the calling thread).
fn jobserver_client() -> Option<jobserver::Client> {
    // SAFETY: `from_env` takes ownership of the file descriptors named in
    // CARGO_MAKEFLAGS; nothing else in a build script uses them, and we call
    // it once per `run_parallel`, cloning the client for threads.
    if let Some(client) = unsafe { jobserver::Client::from_env() } {
        return Some(client);
    }
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    jobserver::Client::new(n.saturating_sub(1).max(1)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_keep_input_order_and_every_item_runs_once() {
        let items: Vec<u32> = (0..50).collect();
        let calls = AtomicUsize::new(0);
        let out = run_parallel(&items, |&i| {
            calls.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(u64::from(50 - i) % 3));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(calls.load(Ordering::Relaxed), 50);
    }

    #[test]
    fn no_tokens_at_all_still_finishes_on_the_calling_thread() {
        // Every token held elsewhere (as when cargo runs other build scripts):
        // the helpers must give up instead of waiting forever.
        let client = jobserver::Client::new(1).unwrap();
        let held = client.acquire().unwrap();
        let items: Vec<u32> = (0..8).collect();
        let out = run_with(&items, Some(client), |&i| i + 1);
        assert_eq!(out, (1..9).collect::<Vec<_>>());
        drop(held);
    }

    #[test]
    fn concurrency_is_capped_by_the_jobserver() {
        // One token plus the caller's implicit one: at most 2 at once.
        let client = jobserver::Client::new(1).unwrap();
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let items: Vec<u32> = (0..32).collect();
        let out = run_with(&items, Some(client), |&i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            running.fetch_sub(1, Ordering::SeqCst);
            i
        });
        assert_eq!(out, items);
        // Never more than the tokens allow, and the free token is used.
        let peak = peak.load(Ordering::SeqCst);
        assert_eq!(peak, 2, "peak {peak}");
    }
}
