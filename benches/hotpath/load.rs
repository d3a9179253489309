//! The cells: `connections` closed-loop tasks per operation and door, timed; and the
//! memory phase's mixed load.

use std::{
    process::Stdio,
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use crate::{
    Door, Op, SENT, Tenant,
    clients::{Client, Grpc, Rest},
};

/// Under callgrind, the wait between a cell's last request and its dump.
const SETTLE: Duration = Duration::from_secs(3);

/// The instructions (`summary:`, all threads) of the dump that `callgrind_control
/// --dump=NAME` wrote into `dir`: the file whose header says `Trigger: dump NAME`.
fn dumped_instructions(dir: &str, name: &str) -> anyhow::Result<u64> {
    let trigger = format!("desc: Trigger: dump {name}");
    for entry in std::fs::read_dir(dir)? {
        let file = std::io::BufReader::new(std::fs::File::open(entry?.path())?);
        // Only the header: it ends where the cost lines start, and holds the summary.
        let header = std::io::BufRead::lines(file)
            .map_while(Result::ok)
            .take_while(|l| !l.starts_with("fl="));
        let (mut ours, mut summary) = (false, None);
        for line in header {
            ours |= line == trigger;
            if let Some(v) = line.strip_prefix("summary: ") {
                summary = v.trim().parse().ok();
            }
        }
        if let (true, Some(summary)) = (ours, summary) {
            return Ok(summary);
        }
    }
    anyhow::bail!("no callgrind dump for {name} in {dir}")
}

#[derive(Clone, Copy, Default)]
pub(crate) struct Cell {
    pub(crate) rate: f64,
    pub(crate) p50: f64,
    pub(crate) p99: f64,
    pub(crate) errors: u64,
    /// The server's CPU time (user + system, all threads) per request of the measured
    /// window, in microseconds: its cost, apart from the load generator's on the same cores
    /// and from how fast the machine happens to be (0 when it could not be read).
    pub(crate) cpu_us: f64,
}

/// The CPU time a process used so far (all its threads, user and system), in clock ticks
/// of `/proc` (`USER_HZ`, 100 a second on Linux).
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces), from the 3rd: utime is the
    // 14th field, stime the 15th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Microseconds in one `/proc` clock tick.
const TICK_US: f64 = 10_000.0;

/// The server's CPU time per request, in microseconds, between two [`cpu_ticks`] readings
/// (0 when either could not be read or nothing was answered).
pub(crate) fn cpu_us(before: Option<u64>, after: Option<u64>, requests: f64) -> f64 {
    match (before, after) {
        (Some(a), Some(b)) if requests > 0.0 => (b - a) as f64 * TICK_US / requests,
        _ => 0.0,
    }
}

/// The `p`th percentile of latencies in microseconds, sorted, in milliseconds.
pub(crate) fn percentile_ms(sorted_micros: &[u32], p: usize) -> f64 {
    let last = sorted_micros.len().saturating_sub(1);
    sorted_micros
        .get((sorted_micros.len() * p / 100).min(last))
        .map_or(0.0, |&v| f64::from(v) / 1000.0)
}

pub(crate) struct Load {
    pub(crate) server: (std::net::SocketAddr, std::net::SocketAddr),
    pub(crate) connections: usize,
    pub(crate) warmup: Duration,
    pub(crate) seconds: Duration,
    pub(crate) plain: Tenant,
    pub(crate) hooked: Tenant,
    pub(crate) ids: Arc<Vec<String>>,
    /// The server process, whose CPU time each cell reads.
    pub(crate) server_pid: u32,
}

impl Cell {
    /// Each figure's median over `cells` (for an even count, the upper middle).
    pub(crate) fn median(cells: impl Iterator<Item = Cell>) -> Cell {
        let cells: Vec<Cell> = cells.collect();
        let median = |f: fn(&Cell) -> f64| median(cells.iter().map(f).collect());
        Cell {
            rate: median(|c| c.rate),
            p50: median(|c| c.p50),
            p99: median(|c| c.p99),
            errors: cells.iter().map(|c| c.errors).sum(),
            cpu_us: median(|c| c.cpu_us),
        }
    }
}

/// The median of `values`: for an even count the mean of the middle two (the upper one
/// alone made two rounds report the better of the two).
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

impl Load {
    pub(crate) async fn clients(&self, door: Door, tenant: &Tenant) -> anyhow::Result<Vec<Client>> {
        let mut clients = Vec::with_capacity(self.connections);
        for _ in 0..self.connections {
            clients.push(Client {
                rest: match door {
                    Door::Rest => Some(Rest::connect(self.server.0).await?),
                    Door::Grpc => None,
                },
                grpc: match door {
                    Door::Grpc => Some(Grpc::connect(self.server.1, tenant).await?),
                    Door::Rest => None,
                },
                tenant: tenant.clone(),
                ids: Arc::clone(&self.ids),
                n: 0,
            });
        }
        Ok(clients)
    }

    /// A cell, bracketed by callgrind's zero and dump when the server runs under it (the
    /// dump [`SETTLE`] after its last request, into `profile`'s folder), with the cell's
    /// instructions per request printed from the dump.
    pub(crate) async fn profiled(
        &self,
        door: Door,
        op: Op,
        profile: Option<(u32, &str)>,
    ) -> anyhow::Result<Cell> {
        let pid = profile.map(|(pid, _)| pid);
        let control = |arg: String| {
            let pid = pid.map(|p| p.to_string());
            async move {
                if let Some(pid) = pid {
                    let status = tokio::process::Command::new("callgrind_control")
                        .args([arg, pid])
                        .stdout(Stdio::null())
                        .status()
                        .await?;
                    anyhow::ensure!(status.success(), "callgrind_control failed");
                }
                anyhow::Ok(())
            }
        };
        control("--zero".into()).await?;
        let before = SENT.load(Ordering::Relaxed);
        let cell = self.cell(door, op).await?;
        if pid.is_some() {
            // The cell's requests are recorded in the history off their path, in batches
            // flushed every 500 ms: let them be written inside this cell's window, not the
            // next cell's (under callgrind the server runs several times slower).
            tokio::time::sleep(SETTLE).await;
        }
        let name = format!(
            "{}-{}",
            op.key(),
            if door == Door::Rest { "rest" } else { "grpc" }
        );
        control(format!("--dump={name}")).await?;
        if let Some((_, dir)) = profile {
            let n = SENT.load(Ordering::Relaxed) - before;
            let instructions = dumped_instructions(dir, &name)?;
            println!(
                "  callgrind dump {name}: {n} requests, {instructions} instructions, {:.1}k a request",
                instructions as f64 / n.max(1) as f64 / 1000.0
            );
        }
        Ok(cell)
    }

    /// `connections` tasks sending `op` back to back: warm-up, then `seconds` measured.
    pub(crate) async fn cell(&self, door: Door, op: Op) -> anyhow::Result<Cell> {
        let tenant = if op == Op::Webhook {
            &self.hooked
        } else {
            &self.plain
        };
        let clients = self.clients(door, tenant).await?;
        let start = Instant::now() + self.warmup;
        let end = start + self.seconds;
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|mut c| {
                tokio::spawn(async move {
                    let (mut micros, mut errors) = (Vec::with_capacity(1 << 14), 0u64);
                    loop {
                        let t0 = Instant::now();
                        if t0 >= end {
                            break;
                        }
                        let ok = c.once(op).await?;
                        if t0 >= start {
                            micros.push(t0.elapsed().as_micros() as u32);
                            errors += u64::from(!ok);
                        }
                    }
                    anyhow::Ok((micros, errors))
                })
            })
            .collect();
        // The server's CPU time over the measured window only (the warm-up excluded).
        tokio::time::sleep_until(start.into()).await;
        let cpu_start = cpu_ticks(self.server_pid);
        tokio::time::sleep_until(end.into()).await;
        let cpu_end = cpu_ticks(self.server_pid);
        let (mut all, mut errors) = (Vec::new(), 0);
        for task in tasks {
            let (micros, e) = task.await??;
            all.extend(micros);
            errors += e;
        }
        all.sort_unstable();
        Ok(Cell {
            rate: all.len() as f64 / self.seconds.as_secs_f64(),
            p50: percentile_ms(&all, 50),
            p99: percentile_ms(&all, 99),
            errors,
            cpu_us: cpu_us(cpu_start, cpu_end, all.len() as f64),
        })
    }

    /// Mixed reads and writes on both doors until `total` requests were sent in the run.
    pub(crate) async fn until(&self, total: u64) -> anyhow::Result<()> {
        let half = self.connections / 2;
        let mut tasks = Vec::new();
        for clients in [
            self.clients(Door::Rest, &self.plain).await?,
            self.clients(Door::Grpc, &self.plain).await?,
        ] {
            for mut c in clients.into_iter().take(half.max(1)) {
                tasks.push(tokio::spawn(async move {
                    let ops = [Op::Get, Op::Get, Op::Get, Op::List, Op::Create];
                    let mut i = 0;
                    while SENT.load(Ordering::Relaxed) < total {
                        c.once(ops[i % ops.len()]).await?;
                        i += 1;
                    }
                    anyhow::Ok(())
                }));
            }
        }
        for task in tasks {
            task.await??;
        }
        Ok(())
    }
}

pub(crate) fn row(label: &str, rest: Cell, grpc: Cell) -> String {
    let cell = |c: Cell| {
        format!(
            "{:>8.0} {:>7.2} {:>7.2} {:>6.1}",
            c.rate, c.p50, c.p99, c.cpu_us
        )
    };
    let errors = if rest.errors + grpc.errors > 0 {
        format!("  errors {}/{}", rest.errors, grpc.errors)
    } else {
        String::new()
    };
    format!(
        "| {label:<26} | {} | {} | {:>8.2} |{errors}",
        cell(rest),
        cell(grpc),
        rest.rate / grpc.rate
    )
}
