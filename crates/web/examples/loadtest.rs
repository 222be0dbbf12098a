//! A load test of the FHIR API over loopback.
//!
//! ```text
//! cargo run --release -p tandem-web --example loadtest -- \
//!     [--database URL] [--seconds 10] [--concurrency 32] [--patients 2000] \
//!     [--baseline-seconds S] [--max-requests N] [--mix 80,15,5[,0]] [--no-analyze]
//! ```
//!
//! It builds an App on the database (a temporary SQLite file unless
//! `--database` names one), adds a prescriber, seeds patients onto their care
//! team, and serves the real router on 127.0.0.1 in this process. Then N
//! keep-alive HTTP/1.1 connections, written by hand so no client library's
//! cost is in the figures, first hammer `GET /healthz` (the baseline: the
//! same server, router, middleware and a database round trip, but no
//! authentication, access check or audit entry), then a FHIR mix of reads
//! (80%), name searches (15%) and registrations (5%) with a bearer token
//! (`--mix READ,SEARCH,CREATE[,MEASURE]` changes the shares; MEASURE posts
//! PHQ-9 QuestionnaireResponses, `--mix 0,0,0,100` only those).
//! Each phase ends after its time or its request budget, whichever is first.
//!
//! On PostgreSQL the tables are analyzed after seeding, as autovacuum would
//! do within a minute on a real server; `--no-analyze` measures the freshly
//! loaded database instead.
//!
//! Everything it writes stays in the database: give `--database` a
//! throwaway one. docs/performance.md has figures and how to read them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tandem_app::{Actor, App, Caller, NewAccount, Operator, Settings};
use tandem_core::audit::Channel;
use tandem_core::clock::Clock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::patient::{Address, AdministrativeGender, Demographics, SexAtBirth};
use tandem_core::role::Role;
use tandem_web::WebConfig;
use time::{Date, Month, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = Error> = std::result::Result<T, E>;

const USAGE: &str = "usage: loadtest [--database URL] [--seconds 10] [--concurrency 32] \
[--patients 2000] [--baseline-seconds S] [--max-requests N] [--mix 80,15,5[,0]] [--no-analyze]";

/// A request that takes longer than this is counted as failed and its
/// connection replaced, so a stuck server cannot stall the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const FAMILIES: [&str; 20] = [
    "Garcia",
    "Nguyen",
    "Smith",
    "Johnson",
    "Martinez",
    "Kim",
    "Patel",
    "Brown",
    "Lopez",
    "Williams",
    "Chen",
    "Davis",
    "Hernandez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Okafor",
    "Jackson",
    "Rossi",
    "Walker",
];
const GIVEN: [&str; 10] = [
    "Ana", "Luis", "Maria", "James", "Mei", "Omar", "Sofia", "David", "Priya", "Samuel",
];
/// What a receptionist or clinician types: two or three letters, or a name.
const SEARCHES: [&str; 8] = ["gar", "ngu", "smi", "ma", "sofia", "pat", "che", "lop"];

struct Args {
    database: Option<String>,
    seconds: f64,
    baseline_seconds: f64,
    concurrency: usize,
    patients: usize,
    max_requests: u64,
    analyze: bool,
    /// Percent of reads, searches and registrations.
    mix: [u32; 4],
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        database: None,
        seconds: 10.0,
        baseline_seconds: f64::NAN,
        concurrency: 32,
        patients: 2_000,
        max_requests: 2_000_000,
        analyze: true,
        mix: [80, 15, 5, 0],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        if flag == "--no-analyze" {
            a.analyze = false;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |what: &str| format!("{flag} takes {what} (got {value:?})");
        match flag.as_str() {
            "--database" => a.database = Some(value.clone()),
            "--seconds" => a.seconds = value.parse().map_err(|_| bad("seconds"))?,
            "--baseline-seconds" => {
                a.baseline_seconds = value.parse().map_err(|_| bad("seconds"))?
            }
            "--concurrency" => a.concurrency = value.parse().map_err(|_| bad("a count"))?,
            "--patients" => a.patients = value.parse().map_err(|_| bad("a count"))?,
            "--max-requests" => a.max_requests = value.parse().map_err(|_| bad("a count"))?,
            "--mix" => {
                let parts: Vec<u32> = value
                    .split(',')
                    .map(|p| p.trim().parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad("percentages, READ,SEARCH,CREATE[,MEASURE]"))?;
                a.mix = match parts[..] {
                    [r, s, c] if r + s + c == 100 => [r, s, c, 0],
                    [r, s, c, m] if r + s + c + m == 100 => [r, s, c, m],
                    _ => return Err(bad("three or four percentages adding up to 100").into()),
                };
            }
            _ => return Err(format!("unknown option {flag}\n{USAGE}").into()),
        }
    }
    if a.baseline_seconds.is_nan() {
        a.baseline_seconds = a.seconds;
    }
    if !(a.seconds > 0.0 && a.baseline_seconds > 0.0) {
        return Err("--seconds and --baseline-seconds must be above zero".into());
    }
    if !(1..=1024).contains(&a.concurrency) {
        return Err("--concurrency must be between 1 and 1024".into());
    }
    if a.patients == 0 {
        return Err("--patients must be at least 1: reads need someone to read".into());
    }
    Ok(a)
}

/// The wall clock. This program is its own binary edge, the one place where
/// the time may be read directly.
struct WallClock;

impl Clock for WallClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A seed that differs from run to run, so runs against the same database do
/// not collide on ids or usernames. The token it leads to lives only for the
/// run, on loopback, and is revoked at the end.
fn run_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::process::id())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Health,
    Read,
    Search,
    Create,
    /// A completed PHQ-9: scoring, flags, registry row and audit in one go.
    Measure,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Health => "GET /healthz",
            Kind::Read => "GET /fhir/r4/Patient/{id}",
            Kind::Search => "GET /fhir/r4/Patient?name=",
            Kind::Create => "POST /fhir/r4/Patient",
            Kind::Measure => "POST /fhir/r4/QuestionnaireResponse",
        }
    }

    fn expected_status(self) -> u16 {
        match self {
            Kind::Create | Kind::Measure => 201,
            _ => 200,
        }
    }
}

/// What every connection of a phase shares.
struct Plan {
    addr: SocketAddr,
    token: String,
    patients: Arc<Vec<String>>,
    /// Only health checks, or the FHIR mix.
    baseline: bool,
    mix: [u32; 4],
    deadline: Instant,
    /// Requests left in the phase's budget.
    budget: AtomicU64,
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    /// "HTTP 500", "timeout", "i/o: …" and so on, with counts.
    errors: BTreeMap<String, u64>,
}

type Tallies = BTreeMap<Kind, Tally>;

/// A small generator for picking requests; quality is beside the point.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadtest: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let args = parse_args()?;
    let (url, temp) = match &args.database {
        Some(u) => (u.clone(), None),
        None => {
            let t = tandem_testkit::TempDir::new("tandem-loadtest");
            let url = format!("sqlite://{}/loadtest.db", t.path().display());
            (url, Some(t))
        }
    };
    let seed = run_seed();
    let app = App::open(
        &url,
        Arc::new(WallClock),
        Arc::new(SeededEntropy::new(seed)),
        Settings::default(),
    )
    .await?;
    let backend = app.store().backend().as_str();
    let op = Operator {
        name: "loadtest".into(),
    };
    let username = format!("loadtest-{:08x}", seed & 0xffff_ffff);
    let user = app
        .add_user_as_operator(
            &op,
            NewAccount {
                username: username.clone(),
                display_name: Some("Load Test Prescriber".into()),
                role: Role::Prescriber,
                password: format!("not used for sign-in {seed:x}"),
            },
        )
        .await?;
    let caller = Caller {
        actor: Actor {
            org: user.org,
            user_id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
        },
        channel: Channel::Api,
    };

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Tandem FHIR load test");
    println!(
        "  database     {backend}{}",
        if temp.is_some() {
            " (temporary file)"
        } else {
            ""
        }
    );
    println!("  machine      {cores} cores; server and clients share them");
    print!("  seeding      {} patients … ", args.patients);
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let seeding = Instant::now();
    let patients = seed_patients(&app, &caller, args.patients).await?;
    println!("{:.1} s", seeding.elapsed().as_secs_f64());
    if let tandem_app::Store::Postgres(pool) = app.store() {
        if args.analyze {
            sqlx::query("ANALYZE").execute(pool).await?;
            println!("  statistics   analyzed after seeding, as autovacuum would");
        } else {
            println!("  statistics   left as seeding left them (--no-analyze)");
        }
    }

    let issued = app.issue_token(&op, &username, Some(1)).await?;
    let token = issued.secret.expose().to_string();

    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tandem_web::serve(
        listener,
        app.clone(),
        WebConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let measured = async {
        preflight(addr, &token, &patients).await?;
        println!(
            "  load         {} connections; baseline {:.0} s, then FHIR mix {:.0} s; at most {} requests a phase",
            args.concurrency, args.baseline_seconds, args.seconds, args.max_requests
        );
        println!(
            "  mix          {}% read, {}% search, {}% create, {}% PHQ-9 response",
            args.mix[0], args.mix[1], args.mix[2], args.mix[3]
        );
        let patients = Arc::new(patients);
        let base = phase(&args, addr, &token, &patients, true).await?;
        let load = phase(&args, addr, &token, &patients, false).await?;
        Ok::<_, Error>((base, load))
    }
    .await;

    // Whatever happened, the server stops and the token dies with the run.
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    let revoked = app.revoke_token(&op, &token).await;
    app.store().close().await;
    drop(temp);
    let (base, load) = measured?;
    revoked?;
    println!();
    print!("{}", report(&base, &load));
    let errors: u64 = [&base, &load]
        .iter()
        .flat_map(|p| p.tallies.values())
        .flat_map(|t| t.errors.values())
        .sum();
    if errors > 0 {
        return Err(format!("{errors} requests failed (see the errors column)").into());
    }
    Ok(())
}

fn demographics(i: usize) -> Demographics {
    let female = i.is_multiple_of(2);
    Demographics {
        family_name: FAMILIES[i % FAMILIES.len()].into(),
        given_names: GIVEN[(i / FAMILIES.len()) % GIVEN.len()].into(),
        preferred_name: None,
        birth_date: Date::from_calendar_date(
            1940 + (i % 66) as i32,
            Month::January.nth_next((i % 12) as u8),
            1 + (i % 28) as u8,
        )
        .unwrap_or(Date::MIN),
        sex_at_birth: if female {
            SexAtBirth::Female
        } else {
            SexAtBirth::Male
        },
        gender: if female {
            AdministrativeGender::Female
        } else {
            AdministrativeGender::Male
        },
        gender_identity: None,
        pronouns: None,
        preferred_language: Some("en".into()),
        phone: Some(format!("555-{:03}-{:04}", i % 1000, i % 10_000)),
        address: Address {
            line: Some(format!("{} Main Street", 1 + i % 900)),
            city: Some("Tucson".into()),
            state: Some("AZ".into()),
            postal_code: Some("85701".into()),
        },
        emergency_contact: None,
    }
}

/// Registers patients as the prescriber, who thereby joins every care team.
/// A few at a time: PostgreSQL takes them in parallel, SQLite in turn.
async fn seed_patients(app: &App, caller: &Caller, n: usize) -> Result<Vec<String>> {
    const LANES: usize = 4;
    let mut set = JoinSet::new();
    for lane in 0..LANES {
        let app = app.clone();
        let caller = caller.clone();
        set.spawn(async move {
            let mut ids = Vec::new();
            for i in (lane..n).step_by(LANES) {
                let p = app.register_patient(&caller, demographics(i)).await?;
                ids.push(p.id.to_string());
            }
            Ok::<_, tandem_app::AppError>(ids)
        });
    }
    let mut ids = Vec::with_capacity(n);
    while let Some(r) = set.join_next().await {
        ids.extend(r??);
    }
    Ok(ids)
}

/// One request of each kind, so a broken setup fails here with a reason
/// rather than as a table full of errors.
async fn preflight(addr: SocketAddr, token: &str, patients: &[String]) -> Result<()> {
    let mut c = Conn::open(addr).await?;
    let mut rng = XorShift(0x5eed);
    for kind in [
        Kind::Health,
        Kind::Read,
        Kind::Search,
        Kind::Create,
        Kind::Measure,
    ] {
        let req = request(kind, addr, token, patients, &mut rng);
        let res = c.exchange(&req).await?;
        if res.status != kind.expected_status() {
            return Err(format!(
                "{} answered {} during the preflight: {}",
                kind.label(),
                res.status,
                String::from_utf8_lossy(&res.body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            )
            .into());
        }
        if kind == Kind::Search && !res.body.windows(8).any(|w| w == b"\"Bundle\"") {
            return Err("the search did not answer with a Bundle".into());
        }
    }
    Ok(())
}

fn request(
    kind: Kind,
    addr: SocketAddr,
    token: &str,
    patients: &[String],
    rng: &mut XorShift,
) -> Vec<u8> {
    let mut r = String::with_capacity(512);
    let (method, path, body) = match kind {
        Kind::Health => ("GET", "/healthz".to_string(), None),
        Kind::Read => (
            "GET",
            format!("/fhir/r4/Patient/{}", patients[rng.below(patients.len())]),
            None,
        ),
        Kind::Search => (
            "GET",
            format!(
                "/fhir/r4/Patient?name={}",
                SEARCHES[rng.below(SEARCHES.len())]
            ),
            None,
        ),
        Kind::Create => {
            let i = rng.below(1_000_000);
            let body = format!(
                r#"{{"resourceType":"Patient","name":[{{"family":"{}","given":["{}"]}}],"gender":"{}","birthDate":"{}-{:02}-{:02}","telecom":[{{"system":"phone","value":"555-{:03}-{:04}"}}]}}"#,
                FAMILIES[i % FAMILIES.len()],
                GIVEN[(i / FAMILIES.len()) % GIVEN.len()],
                if i.is_multiple_of(2) {
                    "female"
                } else {
                    "male"
                },
                1940 + i % 66,
                1 + i % 12,
                1 + i % 28,
                i % 1000,
                i % 10_000,
            );
            ("POST", "/fhir/r4/Patient".to_string(), Some(body))
        }
        Kind::Measure => {
            let patient = &patients[rng.below(patients.len())];
            let items: Vec<String> = (1..=9)
                .map(|k| {
                    // Item 9 is "Not at all" 19 times in 20.
                    let a = if k == 9 && rng.below(20) > 0 {
                        0
                    } else {
                        rng.below(4)
                    };
                    format!(r#"{{"linkId":"{k}","answer":[{{"valueCoding":{{"code":"{a}"}}}}]}}"#)
                })
                .collect();
            let body = format!(
                r#"{{"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"urn:tandem:questionnaire:phq9","subject":{{"reference":"Patient/{patient}"}},"authored":"2026-01-{:02}T{:02}:{:02}:00Z","item":[{}]}}"#,
                1 + rng.below(28),
                rng.below(24),
                rng.below(60),
                items.join(",")
            );
            (
                "POST",
                "/fhir/r4/QuestionnaireResponse".to_string(),
                Some(body),
            )
        }
    };
    let _ = write!(r, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    if kind != Kind::Health {
        let _ = write!(
            r,
            "Authorization: Bearer {token}\r\nAccept: application/fhir+json\r\n"
        );
    }
    match body {
        Some(b) => {
            let _ = write!(
                r,
                "Content-Type: application/fhir+json\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            );
        }
        None => r.push_str("\r\n"),
    }
    r.into_bytes()
}

struct PhaseResult {
    tallies: Tallies,
    elapsed: Duration,
}

async fn phase(
    args: &Args,
    addr: SocketAddr,
    token: &str,
    patients: &Arc<Vec<String>>,
    baseline: bool,
) -> Result<PhaseResult> {
    let seconds = if baseline {
        args.baseline_seconds
    } else {
        args.seconds
    };
    let start = Instant::now();
    let plan = Arc::new(Plan {
        addr,
        token: token.to_string(),
        patients: patients.clone(),
        baseline,
        mix: args.mix,
        deadline: start + Duration::from_secs_f64(seconds),
        budget: AtomicU64::new(args.max_requests),
    });
    let mut set = JoinSet::new();
    for w in 0..args.concurrency {
        let plan = plan.clone();
        set.spawn(worker(plan, 0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1)));
    }
    let mut tallies = Tallies::new();
    while let Some(r) = set.join_next().await {
        for (kind, t) in r? {
            let into = tallies.entry(kind).or_default();
            into.latencies_us.extend(t.latencies_us);
            for (e, n) in t.errors {
                *into.errors.entry(e).or_default() += n;
            }
        }
    }
    Ok(PhaseResult {
        tallies,
        elapsed: start.elapsed(),
    })
}

/// One keep-alive connection issuing requests back to back.
async fn worker(plan: Arc<Plan>, seed: u64) -> Tallies {
    let mut rng = XorShift(seed);
    let mut tallies = Tallies::new();
    let mut conn: Option<Conn> = None;
    while Instant::now() < plan.deadline {
        let taken = plan
            .budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if taken.is_err() {
            break;
        }
        let kind = if plan.baseline {
            Kind::Health
        } else {
            let [read, search, create, _] = plan.mix;
            match rng.below(100) as u32 {
                n if n < read => Kind::Read,
                n if n < read + search => Kind::Search,
                n if n < read + search + create => Kind::Create,
                _ => Kind::Measure,
            }
        };
        let req = request(kind, plan.addr, &plan.token, &plan.patients, &mut rng);
        let t = tallies.entry(kind).or_default();
        let c = match conn.take() {
            Some(c) => c,
            None => match Conn::open(plan.addr).await {
                Ok(c) => c,
                Err(e) => {
                    *t.errors.entry(format!("connect: {e}")).or_default() += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let mut c = c;
        let started = Instant::now();
        match tokio::time::timeout(REQUEST_TIMEOUT, c.exchange(&req)).await {
            Ok(Ok(res)) => {
                t.latencies_us.push(started.elapsed().as_micros() as u64);
                if res.status != kind.expected_status() {
                    *t.errors.entry(format!("HTTP {}", res.status)).or_default() += 1;
                }
                if !res.close {
                    conn = Some(c);
                }
            }
            Ok(Err(e)) => {
                *t.errors.entry(format!("i/o: {e}")).or_default() += 1;
            }
            Err(_) => {
                *t.errors.entry("timeout".into()).or_default() += 1;
            }
        }
    }
    tallies
}

struct Response {
    status: u16,
    body: Vec<u8>,
    /// The server will close the connection after this response.
    close: bool,
}

/// An HTTP/1.1 client connection: just enough of the protocol for this test.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

fn io_err(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Conn {
    async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        // Requests go out in one write; do not let Nagle hold them back.
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    async fn more(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Bytes up to and including the next CRLF, read as needed.
    async fn line(&mut self, from: usize) -> std::io::Result<usize> {
        loop {
            if let Some(i) = find(&self.buf[from..], b"\r\n") {
                return Ok(from + i + 2);
            }
            self.more().await?;
        }
    }

    async fn exchange(&mut self, req: &[u8]) -> std::io::Result<Response> {
        self.stream.write_all(req).await?;
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.more().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io_err("no status line"))?;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        for l in lines {
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
            match k.as_str() {
                "content-length" => length = v.parse::<usize>().ok(),
                "transfer-encoding" => chunked = v.contains("chunked"),
                "connection" => close = v.contains("close"),
                _ => {}
            }
        }
        self.buf.drain(..head_end);
        let body = if chunked {
            self.chunked_body().await?
        } else {
            let n = length.unwrap_or(0);
            while self.buf.len() < n {
                self.more().await?;
            }
            self.buf.drain(..n).collect()
        };
        Ok(Response {
            status,
            body,
            close,
        })
    }

    async fn chunked_body(&mut self) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let end = self.line(0).await?;
            let size_text = String::from_utf8_lossy(&self.buf[..end - 2]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| io_err(format!("bad chunk size {size_text:?}")))?;
            self.buf.drain(..end);
            if size == 0 {
                // Trailers, if any, end with an empty line.
                loop {
                    let end = self.line(0).await?;
                    self.buf.drain(..end);
                    if end == 2 {
                        return Ok(body);
                    }
                }
            }
            while self.buf.len() < size + 2 {
                self.more().await?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
        }
    }
}

/// The `p`-th percentile of sorted values (nearest rank).
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn row(out: &mut String, phase: &str, label: &str, lat: &[u64], errors: u64, secs: f64) {
    let mut sorted = lat.to_vec();
    sorted.sort_unstable();
    let _ = writeln!(
        out,
        "{phase:<9} {label:<28} {:>8} {:>7} {:>9.0} {:>8} {:>8} {:>8} {:>8}",
        sorted.len(),
        errors,
        sorted.len() as f64 / secs,
        ms(percentile(&sorted, 50.0)),
        ms(percentile(&sorted, 90.0)),
        ms(percentile(&sorted, 99.0)),
        ms(sorted.last().copied().unwrap_or(0)),
    );
}

fn report(base: &PhaseResult, load: &PhaseResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<9} {:<28} {:>8} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "phase", "request", "count", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let _ = writeln!(out, "{}", "-".repeat(105));
    let errors = |t: &Tally| t.errors.values().sum::<u64>();
    for (name, p) in [("baseline", base), ("load", load)] {
        let secs = p.elapsed.as_secs_f64();
        for (kind, t) in &p.tallies {
            row(
                &mut out,
                name,
                kind.label(),
                &t.latencies_us,
                errors(t),
                secs,
            );
        }
        if p.tallies.len() > 1 {
            let all: Vec<u64> = p
                .tallies
                .values()
                .flat_map(|t| t.latencies_us.iter().copied())
                .collect();
            let errs = p.tallies.values().map(errors).sum();
            row(&mut out, name, "all FHIR requests", &all, errs, secs);
        }
    }
    let _ = writeln!(
        out,
        "\ncount and req/s are answered requests (HTTP errors included) over the phase's wall time ({:.1} s and {:.1} s).",
        base.elapsed.as_secs_f64(),
        load.elapsed.as_secs_f64()
    );
    for p in [base, load] {
        for (kind, t) in &p.tallies {
            for (e, n) in &t.errors {
                let _ = writeln!(out, "error: {} {e} × {n}", kind.label());
            }
        }
    }
    out
}
