//! Drives the real `tandem` binary: a database on either backend, the
//! command line, servers that cannot outlive a failed test, and plain
//! HTTP/1.1 so the API is exercised the way any client sees it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tandem_testkit::{Backend, TempDir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const PASSWORD: &str = "correct-horse-battery";

/// A command or request that hangs is a failure, not a stuck test run.
const COMMAND_LIMIT: Duration = Duration::from_secs(120);
const HTTP_LIMIT: Duration = Duration::from_secs(30);
const STARTUP_LIMIT: Duration = Duration::from_secs(60);
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(30);

/// A fresh, empty database, plus a scratch folder for logs and backups.
pub struct Db {
    pub backend: Backend,
    pub url: String,
    pub dir: TempDir,
}

impl Db {
    pub fn new(backend: Backend) -> Db {
        let dir = TempDir::new("tandem-cli-test");
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("tandem.db").display()),
            Backend::Postgres => tandem_testkit::fresh_postgres_database(),
        };
        Db { backend, url, dir }
    }

    /// The database file, for SQLite.
    pub fn sqlite_file(&self) -> PathBuf {
        self.dir.path().join("tandem.db")
    }

    /// Runs `tandem ARGS --database URL`.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, None).await
    }

    /// `tandem user add` with the password on standard input, as a person
    /// piping it in would (`echo … |` adds a newline).
    pub async fn add_user(&self, username: &str, role: &str, password: &str) -> Run {
        let input = format!("{password}\n");
        self.run_with_input(
            &[
                "user",
                "add",
                "--username",
                username,
                "--role",
                role,
                "--password-stdin",
            ],
            Some(&input),
        )
        .await
    }

    /// A prescriber with a fresh token: the usual API client in these tests.
    pub async fn prescriber_token(&self, username: &str) -> String {
        self.add_user(username, "prescriber", PASSWORD)
            .await
            .success();
        self.issue_token(username).await
    }

    pub async fn issue_token(&self, username: &str) -> String {
        let out = self
            .run(&["token", "issue", "--username", username])
            .await
            .success();
        out.stdout.trim().to_string()
    }

    pub async fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--database", &self.url]);
        tandem(&all, input).await
    }

    /// Executes SQL behind the application's back, the way someone with
    /// access to the database files or server could.
    pub async fn execute_sql(&self, statements: &[&'static str]) {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("open the SQLite file directly");
                for s in statements {
                    sqlx::query(*s)
                        .execute(&mut c)
                        .await
                        .unwrap_or_else(|e| panic!("{s}: {e}"));
                }
                c.close().await.expect("close SQLite");
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to PostgreSQL directly");
                for s in statements {
                    sqlx::query(*s)
                        .execute(&mut c)
                        .await
                        .unwrap_or_else(|e| panic!("{s}: {e}"));
                }
                c.close().await.expect("close PostgreSQL");
            }
        }
    }
}

impl Db {
    /// One number from a query run behind the application's back.
    pub async fn count(&self, sql: &'static str) -> i64 {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("open the SQLite file directly");
                let n: i64 = sqlx::query_scalar(sql)
                    .fetch_one(&mut c)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                c.close().await.expect("close SQLite");
                n
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to PostgreSQL directly");
                let n: i64 = sqlx::query_scalar(sql)
                    .fetch_one(&mut c)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                c.close().await.expect("close PostgreSQL");
                n
            }
        }
    }
}

/// The outcome of one command.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails the test, showing everything the command said, unless it succeeded.
    #[track_caller]
    pub fn success(self) -> Run {
        assert!(
            self.status.success(),
            "`tandem {}` failed ({}):\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Fails the test unless the command failed.
    #[track_caller]
    pub fn failure(self) -> Run {
        assert!(
            !self.status.success(),
            "`tandem {}` should have failed but exited 0:\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Everything the command printed, for messages that may go to either stream.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn command() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_tandem"));
    // The caller's environment must not pick a database, address or log
    // level for the binary; and users do not see backtraces in messages.
    for var in [
        "TANDEM_DATABASE_URL",
        "TANDEM_DEMO_DATABASE_URL",
        "TANDEM_BIND",
        "TANDEM_SECURE_COOKIES",
        "TANDEM_LOG",
        "RUST_LOG",
        "RUST_BACKTRACE",
        "RUST_LIB_BACKTRACE",
    ] {
        c.env_remove(var);
    }
    if let Some(bindir) = tandem_testkit::postgres_bindir() {
        c.env("TANDEM_PG_BINDIR", bindir);
    }
    c.kill_on_drop(true);
    c
}

/// Runs the binary to completion.
pub async fn tandem(args: &[&str], input: Option<&str>) -> Run {
    let mut c = command();
    c.args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("start the tandem binary");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // A command refused on its arguments exits without reading its input.
        match stdin.write_all(input.as_bytes()).await {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            r => r.expect("write to tandem's standard input"),
        }
        drop(stdin);
    }
    let out = tokio::time::timeout(COMMAND_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("`tandem {}` did not finish in time", args.join(" ")))
        .expect("wait for tandem");
    Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A running `tandem serve`. Dropping it kills the process, so no server
/// survives a failed test; its log is printed when a test fails.
pub struct Server {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

impl Server {
    /// Starts `tandem serve` on a free port and waits until `/healthz` answers.
    pub async fn start(db: &Db) -> Server {
        let port = free_port();
        let log = db.dir.path().join(format!("server-{port}.log"));
        let file = std::fs::File::create(&log).expect("create the server log");
        let err = file.try_clone().expect("share the server log");
        let bind = format!("127.0.0.1:{port}");
        let mut c = command().into_std();
        c.args(["serve", "--database", &db.url, "--bind", &bind])
            .stdin(Stdio::null())
            .stdout(Stdio::from(file))
            .stderr(Stdio::from(err));
        let child = c.spawn().expect("start tandem serve");
        let mut server = Server { child, port, log };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + STARTUP_LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll tandem serve") {
                panic!(
                    "tandem serve exited ({status}) before it was healthy; its output:\n{}",
                    self.log()
                );
            }
            if let Ok(r) = http(self.port, "GET", "/healthz", None, None).await
                && r.status == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tandem serve did not answer /healthz within {STARTUP_LIMIT:?}; its output:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the server wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: the process gets no chance to flush or close anything.
    pub fn crash(mut self) {
        self.child.kill().expect("kill -9 the server");
        self.child.wait().expect("reap the server");
    }

    /// SIGTERM, as a service manager stops it; it must exit cleanly.
    pub async fn stop(mut self) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "could not signal the server");
        let deadline = Instant::now() + SHUTDOWN_LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll tandem serve") {
                assert!(
                    status.success(),
                    "tandem serve exited with {status} on SIGTERM; its output:\n{}",
                    self.log()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tandem serve ignored SIGTERM for {SHUTDOWN_LIMIT:?}; its output:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        http(self.port, "GET", path, Some(token), None)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}; server output:\n{}", self.log()))
    }

    pub async fn post(&self, path: &str, token: &str, body: &str) -> Response {
        http(self.port, "POST", path, Some(token), Some(body))
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}; server output:\n{}", self.log()))
    }

    /// Registers a patient over the FHIR API and returns its id, requiring a 201.
    pub async fn create_patient(&self, token: &str, family: &str, given: &str) -> String {
        let body = serde_json::json!({
            "resourceType": "Patient",
            "name": [{"family": family, "given": [given]}],
            "birthDate": "1988-04-12",
            "gender": "female",
        })
        .to_string();
        let r = self.post("/fhir/r4/Patient", token, &body).await;
        assert_eq!(
            r.status,
            201,
            "creating {given} {family} was not acknowledged: {}",
            r.text()
        );
        r.json()["id"]
            .as_str()
            .unwrap_or_else(|| panic!("a created Patient has an id: {}", r.text()))
            .to_string()
    }

    /// `total` of the Patient search Bundle.
    pub async fn patient_total(&self, token: &str) -> u64 {
        let r = self.get("/fhir/r4/Patient", token).await;
        assert_eq!(r.status, 200, "Patient search: {}", r.text());
        let b = r.json();
        assert_eq!(b["resourceType"], "Bundle", "{b}");
        b["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("the search Bundle has a total: {b}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- output of tandem serve on port {} ---", self.port);
            eprintln!("{}", self.log());
        }
    }
}

/// An HTTP response, read to the end.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {}", self.text()))
    }
}

/// One request on its own connection (`Connection: close`).
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<Response> {
    let exchange = async {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: application/fhir+json\r\n"
        );
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        let body = body.unwrap_or("");
        if method != "GET" {
            req.push_str(&format!(
                "Content-Type: application/fhir+json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).await?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await?;
        parse_response(&raw)
    };
    tokio::time::timeout(HTTP_LIMIT, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no complete response to {method} {path} within {HTTP_LIMIT:?}"),
            ))
        })
}

fn bad(msg: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.to_string())
}

fn parse_response(raw: &[u8]) -> std::io::Result<Response> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("truncated chunk size"))?;
        let size_text = std::str::from_utf8(&rest[..eol]).map_err(|_| bad("chunk size"))?;
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad("chunk size"))?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err(bad("truncated chunk"));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// Does `text` name audit entry `n` (and not, say, entry `n`0)?
pub fn names_entry(text: &str, n: i64) -> bool {
    let needle = format!("entry {n}");
    text.match_indices(&needle).any(|(i, _)| {
        !text[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// A PostgreSQL client tool, from the same installation the tests use.
pub fn pg_tool(name: &str) -> PathBuf {
    match tandem_testkit::postgres_bindir() {
        Some(dir) => dir.join(name),
        None => Path::new(name).to_path_buf(),
    }
}
