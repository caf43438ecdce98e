//! `conformance <base-url>`: runs the conformance table against a test app
//! and prints the report as markdown; exits 0 when every row passed, 1
//! when one failed, 2 on a usage error.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(base_url), None) = (args.next(), args.next()) else {
        eprintln!("usage: conformance <base-url>   (for example http://127.0.0.1:8080)");
        return ExitCode::from(2);
    };
    if base_url == "-h" || base_url == "--help" {
        println!("usage: conformance <base-url>   (for example http://127.0.0.1:8080)");
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let report = runtime.block_on(sealed_session_conformance::run(&base_url));
    print!("{report}");
    if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
