//! `cargo xtask`: the project's automation, in Rust so it needs nothing but
//! cargo. It owns the set-up of a fresh machine — checking for the system
//! packages the workspace builds with (cmake and libclang for HiGHS, the
//! solver that `critmin-opt` links; Chromium for the browser tests) and
//! installing the missing ones with apt-get — and then runs cargo. It has no
//! dependencies and must not gain heavy ones: it is built before anything
//! else on every CI run.
//!
//! Commands:
//! - `cargo xtask assess [ARGS…]`: release build, then `critmin assess ARGS…`.
//! - `cargo xtask test`: formatting check, clippy with warnings denied, then
//!   every test of the workspace.
//! - `cargo xtask deps`: only check and install system packages.
//! - `cargo xtask bench [ARGS…]`: release build, then `critmin bench ARGS…`.
//!
//! Exit status: 0 on success, the failing command's status otherwise, 2 for
//! a usage error.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match cmd.as_str() {
        "assess" => ensure_system_packages().and_then(|()| run_critmin("assess", rest)),
        "bench" => ensure_system_packages().and_then(|()| run_critmin("bench", rest)),
        "test" => ensure_system_packages().and_then(|()| test(rest)),
        "deps" => ensure_system_packages(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("xtask: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, code }) => {
            eprintln!("xtask: {message}");
            ExitCode::from(code)
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  assess [ARGS...]  install missing system packages, build in release mode, run `critmin assess`
  test              install missing system packages, then cargo fmt --check, clippy -D warnings, all tests
  bench [ARGS...]   release build, then `critmin bench`
  deps              only check for and install the system packages the build needs";

struct Failure {
    message: String,
    code: u8,
}

type Result<T = ()> = std::result::Result<T, Failure>;

fn fail(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: 1,
    }
}

fn workspace_root() -> PathBuf {
    // xtask/ sits directly under the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(workspace_root());
    c
}

fn run(mut cmd: Command, what: &str) -> Result {
    eprintln!("xtask: running {what}");
    let status = cmd
        .status()
        .map_err(|e| fail(format!("could not start {what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        let code = status.code().unwrap_or(1).clamp(1, 255) as u8;
        Err(Failure {
            message: format!("{what} failed ({status})"),
            code,
        })
    }
}

fn run_critmin(sub: &str, rest: &[String]) -> Result {
    let mut c = cargo();
    c.args([
        "run",
        "--release",
        "--locked",
        "--package",
        "critmin-cli",
        "--bin",
        "critmin",
        "--",
        sub,
    ]);
    c.args(rest);
    run(c, &format!("critmin {sub}"))
}

fn test(rest: &[String]) -> Result {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    run(fmt, "cargo fmt --check")?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy, "cargo clippy -D warnings")?;

    // Same profile and flags as clippy, so build scripts (HiGHS's C++) run once.
    let mut t = cargo();
    t.args(["test", "--workspace", "--locked"]);
    t.args(rest);
    run(t, "cargo test")
}

/// A system package the build needs, how to detect it, and the Debian
/// package that provides it.
struct Need {
    what: &'static str,
    why: &'static str,
    present: fn() -> bool,
    apt: &'static [&'static str],
}

const NEEDS: &[Need] = &[
    Need {
        what: "cmake",
        why: "builds HiGHS, the LP/MIP solver behind `critmin optimize`",
        present: has_cmake,
        apt: &["cmake"],
    },
    Need {
        what: "libclang",
        why: "generates HiGHS's Rust bindings (bindgen)",
        present: has_libclang,
        apt: &["libclang-dev"],
    },
    Need {
        what: "a C++ compiler",
        why: "compiles HiGHS",
        present: has_cxx,
        apt: &["g++"],
    },
    Need {
        what: "Chromium",
        why: "renders the HTML report headless in the screenshot test",
        present: has_chromium,
        apt: &["chromium"],
    },
    Need {
        what: "ChromeDriver",
        why: "drives headless Chromium through WebDriver in the dashboard's browser test",
        present: has_chromedriver,
        apt: &["chromium-driver"],
    },
];

fn ensure_system_packages() -> Result {
    let missing: Vec<&Need> = NEEDS.iter().filter(|n| !(n.present)()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    for n in &missing {
        eprintln!("xtask: {} is missing (it {})", n.what, n.why);
    }
    let packages: Vec<&str> = missing.iter().flat_map(|n| n.apt.iter().copied()).collect();
    apt_install(&packages)?;
    let still: Vec<&str> = NEEDS
        .iter()
        .filter(|n| !(n.present)())
        .map(|n| n.what)
        .collect();
    if still.is_empty() {
        Ok(())
    } else {
        Err(fail(format!(
            "installed {} but still cannot find: {}",
            packages.join(" "),
            still.join(", ")
        )))
    }
}

fn apt_install(packages: &[&str]) -> Result {
    if !on_path("apt-get") {
        return Err(fail(format!(
            "apt-get is not available, so xtask cannot install the missing packages. \
             Install them with your system's package manager (Debian/Ubuntu names: {}), \
             then run this command again",
            packages.join(" ")
        )));
    }
    // Root runs apt-get directly; others need password-less sudo.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let prefix: Vec<&str> = if is_root {
        vec![]
    } else if on_path("sudo") {
        vec!["sudo", "-n"]
    } else {
        return Err(fail(format!(
            "not root and no sudo: run `apt-get install -y {}` as root, then run this command again",
            packages.join(" ")
        )));
    };
    let apt = |args: &[&str]| {
        let mut all = prefix.clone();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut c = Command::new(all[0]);
        c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    eprintln!("xtask: installing {} with apt-get", packages.join(" "));
    run(apt(&["update", "-q"]), "apt-get update").map_err(|f| {
        fail(format!(
            "{}; install {} by hand, then retry",
            f.message,
            packages.join(" ")
        ))
    })?;
    let mut install_args = vec!["install", "-y", "-q", "--no-install-recommends"];
    install_args.extend_from_slice(packages);
    run(apt(&install_args), "apt-get install").map_err(|f| {
        fail(format!(
            "{}; install {} by hand, then retry",
            f.message,
            packages.join(" ")
        ))
    })
}

fn on_path(program: &str) -> bool {
    env::var_os("PATH")
        .is_some_and(|paths| env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn has_cmake() -> bool {
    Command::new("cmake")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Chromium as the report's screenshot test finds it: `/usr/bin/chromium`
/// or `chromium` on the PATH.
fn has_chromium() -> bool {
    Path::new("/usr/bin/chromium").is_file() || on_path("chromium")
}

fn has_chromedriver() -> bool {
    Path::new("/usr/bin/chromedriver").is_file() || on_path("chromedriver")
}

fn has_cxx() -> bool {
    ["c++", "g++", "clang++"].iter().any(|c| on_path(c))
}

/// libclang as bindgen (clang-sys) finds it: `LIBCLANG_PATH`, or a
/// `libclang*.so` in the usual library directories (the `-dev` package
/// provides the unversioned `libclang.so` that clang-sys prefers).
fn has_libclang() -> bool {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(p) = env::var_os("LIBCLANG_PATH") {
        dirs.push(PathBuf::from(p));
    }
    for base in [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        dirs.push(PathBuf::from(base));
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().starts_with("llvm-") {
                dirs.push(e.path().join("lib"));
            }
        }
    }
    dirs.iter().any(|d| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let n = e.file_name();
                let n = n.to_string_lossy();
                n == "libclang.so"
                    || (n.starts_with("libclang.so.") || n.starts_with("libclang-"))
                        && n.contains(".so")
                        && !n.starts_with("libclang-cpp")
            })
        })
    })
}
