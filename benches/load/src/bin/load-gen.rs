//! The load test's client: closed-loop HTTP/1.1 over keep-alive
//! connections, every latency recorded.
//!
//! ```text
//! load-gen PORT METHOD PATH REQUESTS CONNECTIONS WARMUP SECONDS [INIT]
//! ```
//!
//! 1. With `INIT` (a path such as `/init?size=64`): one `GET INIT`, whose
//!    `Set-Cookie` (`name=value`) becomes the `Cookie` of every request
//!    after it. The cookie is fixed: a read-write request re-seals the
//!    same session each time, so its size stays the same.
//! 2. `WARMUP` requests, unmeasured; the first answer's body and number of
//!    `Set-Cookie` headers are printed so the caller can check that the
//!    session really opened.
//! 3. `GET /cpu` on the server, `REQUESTS` requests spread over
//!    `CONNECTIONS` connections (each sends its next request when the last
//!    answer is read in full), `GET /cpu` again. At most `SECONDS`
//!    seconds: a connection stops early when time is up.
//!
//! Prints one line of `key=value` pairs: requests, errors, seconds,
//! requests per second, exact p50 and p99 (nearest rank over every
//! recorded latency) and the server's CPU time per request.

use core::time::Duration;
use std::time::Instant;

use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{COOKIE, HOST, HeaderValue, SET_COOKIE};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

/// The command line.
struct Args {
    port: u16,
    method: Method,
    path: String,
    requests: usize,
    connections: usize,
    warmup: usize,
    seconds: u64,
    init: Option<String>,
}

impl Args {
    fn parse() -> Result<Self, String> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let [
            port,
            method,
            path,
            requests,
            connections,
            warmup,
            seconds,
            rest @ ..,
        ] = args.as_slice()
        else {
            return Err(
                "usage: load-gen PORT METHOD PATH REQUESTS CONNECTIONS WARMUP SECONDS [INIT]"
                    .to_owned(),
            );
        };
        let number = |name: &str, text: &str| {
            text.parse::<usize>()
                .map_err(|e| format!("{name} `{text}`: {e}"))
        };
        Ok(Self {
            port: port.parse().map_err(|e| format!("PORT `{port}`: {e}"))?,
            method: method
                .parse()
                .map_err(|e| format!("METHOD `{method}`: {e}"))?,
            path: path.clone(),
            requests: number("REQUESTS", requests)?,
            connections: number("CONNECTIONS", connections)?.max(1),
            warmup: number("WARMUP", warmup)?,
            seconds: u64::try_from(number("SECONDS", seconds)?).unwrap_or(u64::MAX),
            init: rest.first().cloned(),
        })
    }
}

/// What one request got back.
struct Answer {
    ok: bool,
    set_cookies: usize,
    /// The first `Set-Cookie`, whole.
    set_cookie: Option<HeaderValue>,
    body: Bytes,
}

/// One keep-alive connection.
struct Connection {
    send: SendRequest<Empty<Bytes>>,
    host: HeaderValue,
}

impl Connection {
    async fn open(port: u16) -> Result<Self, String> {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (send, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        tokio::spawn(connection);
        let host =
            HeaderValue::from_str(&format!("127.0.0.1:{port}")).map_err(|e| e.to_string())?;
        Ok(Self { send, host })
    }

    async fn request(
        &mut self,
        method: &Method,
        path: &str,
        cookie: Option<&HeaderValue>,
    ) -> Result<Answer, String> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(HOST, self.host.clone());
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie.clone());
        }
        let request = request.body(Empty::new()).map_err(|e| e.to_string())?;
        self.send.ready().await.map_err(|e| e.to_string())?;
        let response = self
            .send
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let ok = response.status().is_success();
        let set_cookies = response.headers().get_all(SET_COOKIE).iter().count();
        let set_cookie = response.headers().get(SET_COOKIE).cloned();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Answer {
            ok,
            set_cookies,
            set_cookie,
            body,
        })
    }
}

fn main() {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(&args)) {
        Ok(line) => println!("{line}"),
        Err(message) => {
            eprintln!("load-gen: {message}");
            std::process::exit(1);
        }
    }
}

async fn run(args: &Args) -> Result<String, String> {
    let mut control = Connection::open(args.port).await?;
    let cookie = match &args.init {
        None => None,
        Some(init) => {
            let answer = control.request(&Method::GET, init, None).await?;
            match answer.set_cookie {
                Some(set_cookie) if answer.ok && answer.set_cookies == 1 => {
                    // `name=value; attributes` -> `name=value`.
                    let pair = set_cookie.as_bytes().split(|&b| b == b';').next();
                    let pair = HeaderValue::from_bytes(pair.unwrap_or_default());
                    Some(pair.map_err(|e| e.to_string())?)
                }
                // The floor has no session: no cookie.
                None if answer.ok => None,
                _ => return Err(format!("GET {init} set {} cookies", answer.set_cookies)),
            }
        }
    };
    let cookie_len = cookie.as_ref().map_or(0, HeaderValue::len);

    let mut connections = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        connections.push(Connection::open(args.port).await?);
    }

    // Warm-up, on the same connections.
    let first = connections[0]
        .request(&args.method, &args.path, cookie.as_ref())
        .await?;
    let (connections, warm) = load(args, connections, cookie.as_ref(), args.warmup, None).await;
    if warm.errors > 0 || !first.ok {
        return Err(format!(
            "{} errors in the warm-up; the first answer: ok={} {:?}",
            warm.errors, first.ok, first.body
        ));
    }

    let cpu_before = cpu_ns(&mut control).await?;
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let (_, mut measured) = load(
        args,
        connections,
        cookie.as_ref(),
        args.requests,
        Some(deadline),
    )
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let cpu_after = cpu_ns(&mut control).await?;

    let latencies = &mut measured.latencies_ns;
    latencies.sort_unstable();
    let count = latencies.len();
    let percentile = |p: f64| -> f64 {
        if count == 0 {
            return f64::NAN;
        }
        // Nearest rank: the smallest value with at least p of them at or below.
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let rank = ((count as f64) * p).ceil() as usize;
        latencies[rank.clamp(1, count) - 1] as f64 / 1000.0
    };
    #[allow(clippy::cast_precision_loss)]
    let (rps, cpu_us) = (
        count as f64 / seconds,
        cpu_after.saturating_sub(cpu_before) as f64 / 1000.0 / count.max(1) as f64,
    );
    Ok(format!(
        "requests={count} errors={} seconds={seconds:.3} rps={rps:.0} p50_us={:.1} p99_us={:.1} \
         cpu_us_per_request={cpu_us:.2} cookie_len={cookie_len} first_set_cookies={} first_body={}",
        measured.errors,
        percentile(0.50),
        percentile(0.99),
        first.set_cookies,
        String::from_utf8_lossy(&first.body),
    ))
}

/// The server's CPU time so far, in nanoseconds.
async fn cpu_ns(control: &mut Connection) -> Result<u64, String> {
    let answer = control.request(&Method::GET, "/cpu", None).await?;
    String::from_utf8_lossy(&answer.body)
        .parse()
        .map_err(|e| format!("GET /cpu: {e}"))
}

/// What a batch of requests recorded.
#[derive(Default)]
struct Tally {
    latencies_ns: Vec<u64>,
    errors: usize,
}

/// `total` requests spread evenly over `connections`, each connection one
/// task sending its next request when its last answer is in. Gives the
/// connections back for the next batch.
async fn load(
    args: &Args,
    connections: Vec<Connection>,
    cookie: Option<&HeaderValue>,
    total: usize,
    deadline: Option<Instant>,
) -> (Vec<Connection>, Tally) {
    let n = connections.len();
    let mut tasks = Vec::with_capacity(n);
    for (index, mut connection) in connections.into_iter().enumerate() {
        let share = total / n + usize::from(index < total % n);
        let (method, path, cookie) = (args.method.clone(), args.path.clone(), cookie.cloned());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally {
                latencies_ns: Vec::with_capacity(share),
                errors: 0,
            };
            for _ in 0..share {
                if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                    break;
                }
                let sent = Instant::now();
                let answer = connection.request(&method, &path, cookie.as_ref()).await;
                let elapsed = u64::try_from(sent.elapsed().as_nanos()).unwrap_or(u64::MAX);
                tally.latencies_ns.push(elapsed);
                if !answer.is_ok_and(|answer| answer.ok) {
                    tally.errors += 1;
                }
            }
            (connection, tally)
        }));
    }
    let mut connections = Vec::with_capacity(n);
    let mut tally = Tally::default();
    for task in tasks {
        match task.await {
            Ok((connection, part)) => {
                connections.push(connection);
                tally.latencies_ns.extend(part.latencies_ns);
                tally.errors += part.errors;
            }
            Err(_) => tally.errors += 1,
        }
    }
    (connections, tally)
}
