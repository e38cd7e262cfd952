//! Running one query's evaluation in a child process with a deadline and a memory cap.
//!
//! The endpoint must survive any single request. Three kinds of query defeat an
//! in-process evaluator: one that allocates without bound (`BIND(CONCAT(?a,?a) AS ?b)`
//! chained 28 times asks for gigabytes in one expression), one that burns CPU where
//! Oxigraph never polls its cancellation token (joins of `VALUES` blocks, products of
//! in-memory tables), and one that overflows a stack. None of them can be stopped from
//! inside the process: a failed allocation and a stack overflow abort it, and a thread
//! cannot be killed. So the evaluation runs in a `fork(2)`ed child, which shares the
//! loaded store copy-on-write (nothing is reloaded) and has an address-space limit
//! (`RLIMIT_AS`); the parent reads the child's output through a pipe and kills it with
//! `SIGKILL` when the deadline passes, which frees its CPU at once.
//!
//! # Rationale
//! Process isolation was chosen over a counting allocator (a global allocator may not
//! unwind, so a query over budget could only be aborted with the whole server, or
//! parked forever) and over rewriting queries to bound each string function (it would
//! not bound join tables, and every new SPARQL function would be a new hole). The cost
//! is one `fork` per query: about a millisecond for the sample graph (measured by
//! `scripts/hostile_load.sh`); page tables grow with the store, so a store of millions
//! of quads pays more.
//!
//! The child only evaluates and writes to the pipe: it takes no lock the parent's other
//! threads might hold at the time of the fork (it does not log), and it ends with
//! `_exit`, so no destructor or exit handler of the parent's state runs twice.

use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// What a child may use.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Wall-clock time before the child is killed.
    pub timeout: Duration,
    /// Address space the child may add to what the server already maps, in bytes.
    pub memory: u64,
    /// The most bytes of output read from the child; more kills it.
    pub max_output: usize,
}

/// How a child ended.
#[derive(Debug)]
pub enum Outcome {
    /// It finished; this is everything it wrote.
    Finished(Vec<u8>),
    /// It was killed at the deadline.
    TimedOut,
    /// It wrote more than [`Budget::max_output`] and was killed.
    TooLarge,
    /// It died on a signal (out of memory, stack overflow) or failed: the description.
    Died(String),
}

/// Runs `work` in a child process under `budget`; `work` writes its result to the
/// writer it is given. Returns when the child has ended (it is always reaped).
pub fn run(budget: &Budget, work: impl FnOnce(&mut dyn Write)) -> io::Result<Outcome> {
    let started = Instant::now();
    // Without /proc (macOS) the address space is unknown and no memory limit is set
    // (macOS does not enforce RLIMIT_AS anyway): the deadline still holds.
    let limit = current_address_space().map_or(0, |now| now.saturating_add(budget.memory));
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two descriptors for pipe to fill; marking them
    // close-on-exec is plain fcntl on them (pipe2 would do both, but not on macOS).
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
        for fd in fds {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    // SAFETY: both descriptors were just created and are owned here only.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fork has no memory-safety preconditions; the child below only runs the
    // evaluation (no lock of another thread is taken) and leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        drop(reader);
        child(limit, budget.timeout, writer, work);
    }
    drop(writer);
    let collected = collect(pid, reader, budget, started);
    let status = reap(pid)?;
    Ok(match collected? {
        Ok(output) => finished(status, output),
        Err(early) => early,
    })
}

/// The child's side: limits, work, flush, `_exit`. Never returns.
fn child(limit: u64, timeout: Duration, writer: OwnedFd, work: impl FnOnce(&mut dyn Write)) -> ! {
    let memory = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // A CPU limit a little past the deadline is a second line should the parent
    // vanish without killing the child; the parent's death also kills it.
    let cpu_seconds = timeout.as_secs() + 2;
    let cpu = libc::rlimit {
        rlim_cur: cpu_seconds,
        rlim_max: cpu_seconds + 1,
    };
    // SAFETY: plain system calls on valid, initialised structures.
    unsafe {
        if limit > 0 {
            libc::setrlimit(libc::RLIMIT_AS, &memory);
        }
        libc::setrlimit(libc::RLIMIT_CPU, &cpu);
        // Linux only: the child dies with the server.
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, std::fs::File::from(writer));
    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut out)));
    let code = match (done, out.flush()) {
        (Ok(()), Ok(())) => 0,
        _ => 1,
    };
    // SAFETY: ends the child without running the parent's destructors or exit handlers.
    unsafe { libc::_exit(code) }
}

/// Reads the child's output until it closes the pipe (`Ok(output)`), the deadline
/// passes or the output is too large (`Err(outcome)`: the child was killed).
fn collect(
    pid: libc::pid_t,
    reader: OwnedFd,
    budget: &Budget,
    started: Instant,
) -> io::Result<Result<Vec<u8>, Outcome>> {
    use std::os::fd::AsRawFd;
    let fd = reader.as_raw_fd();
    let mut file = std::fs::File::from(reader);
    let mut output = Vec::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let left = budget.timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            kill(pid);
            return Ok(Err(Outcome::TimedOut));
        }
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            kill(pid);
            return Err(e);
        }
        if ready == 0 {
            continue; // the deadline is checked at the top
        }
        let n = match file.read(&mut buffer) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                kill(pid);
                return Err(e);
            }
        };
        if n == 0 {
            return Ok(Ok(output));
        }
        output.extend_from_slice(&buffer[..n]);
        if output.len() > budget.max_output {
            kill(pid);
            return Ok(Err(Outcome::TooLarge));
        }
    }
}

fn finished(status: libc::c_int, output: Vec<u8>) -> Outcome {
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        return Outcome::Finished(output);
    }
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        let what = match signal {
            libc::SIGABRT => "it ran out of memory (or aborted)",
            libc::SIGSEGV | libc::SIGBUS => "it overflowed its stack or ran out of memory",
            libc::SIGXCPU => "it used up its CPU time",
            libc::SIGKILL => "it was killed",
            _ => "it died on a signal",
        };
        return Outcome::Died(format!("{what} (signal {signal})"));
    }
    Outcome::Died(format!(
        "it failed (exit status {})",
        libc::WEXITSTATUS(status)
    ))
}

fn kill(pid: libc::pid_t) {
    // SAFETY: signals our own child, not yet reaped (so the pid cannot be reused).
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

fn reap(pid: libc::pid_t) -> io::Result<libc::c_int> {
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            return Ok(status);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// The process's mapped address space now, in bytes (`/proc/self/statm`, in pages).
fn current_address_space() -> io::Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages: u64 = statm
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| io::Error::other("unreadable /proc/self/statm"))?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Ok(pages * u64::try_from(page).unwrap_or(4096))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(timeout_ms: u64) -> Budget {
        Budget {
            timeout: Duration::from_millis(timeout_ms),
            memory: 256 * 1024 * 1024,
            max_output: 1 << 20,
        }
    }

    #[test]
    fn output_comes_back() {
        let outcome = run(&budget(5000), |out| out.write_all(b"hello").unwrap()).unwrap();
        assert!(
            matches!(outcome, Outcome::Finished(ref b) if b == b"hello"),
            "{outcome:?}"
        );
    }

    #[test]
    fn a_busy_child_is_killed_at_the_deadline() {
        let outcome = run(&budget(200), |_| loop {
            std::hint::spin_loop();
        })
        .unwrap();
        assert!(matches!(outcome, Outcome::TimedOut), "{outcome:?}");
    }

    #[test]
    fn a_child_over_its_memory_dies_alone() {
        let outcome = run(&budget(10_000), |out| {
            let mut hog: Vec<Vec<u8>> = Vec::new();
            for _ in 0..64 {
                hog.push(vec![1u8; 64 * 1024 * 1024]);
            }
            out.write_all(&[hog.len() as u8]).unwrap();
        })
        .unwrap();
        assert!(matches!(outcome, Outcome::Died(_)), "{outcome:?}");
    }

    #[test]
    fn too_much_output_is_cut() {
        let outcome = run(&budget(5000), |out| loop {
            if out.write_all(&[0u8; 4096]).is_err() {
                return;
            }
        })
        .unwrap();
        assert!(matches!(outcome, Outcome::TooLarge), "{outcome:?}");
    }
}
