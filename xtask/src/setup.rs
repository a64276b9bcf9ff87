//! Installs what a fresh machine lacks, skipping what is there. Everything comes from the
//! package registries (crates.io, Debian, npm) at pinned versions; nothing else is fetched.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{root, sh};

const TRUNK_VERSION: &str = "0.21.14";
const DEBIAN_PACKAGES: &[&str] = &["chromium", "chromium-driver"];

pub fn run() -> Result<()> {
    wasm_target()?;
    cargo_tool("trunk", TRUNK_VERSION, true)?;
    // wasm-bindgen-cli must equal the wasm-bindgen crate exactly, or Trunk tries to download
    // one. Its `--locked` install fails on a yanked dependency, hence no --locked.
    cargo_tool("wasm-bindgen", &locked_version("wasm-bindgen")?, false)?;
    debian_packages()?;
    npm_packages()
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wasm_target() -> Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    sh("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

/// The version of a package in Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("Cargo.lock is missing")?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock.find(&needle).with_context(|| format!("{package} is not in Cargo.lock"))? + needle.len();
    Ok(lock[start..].split('"').next().unwrap_or_default().to_string())
}

fn cargo_tool(binary: &str, version: &str, locked: bool) -> Result<()> {
    let found = output(binary, &["--version"]).unwrap_or_default();
    if found.split_whitespace().any(|word| word == version) {
        return Ok(());
    }
    let crate_name = if binary == "wasm-bindgen" { "wasm-bindgen-cli" } else { binary };
    eprintln!("installing {crate_name} {version} (found: {})", if found.is_empty() { "none" } else { found.trim() });
    let mut args = vec!["install", crate_name, "--version", version];
    if locked {
        args.push("--locked");
    }
    sh("cargo", &args)
}

fn debian_packages() -> Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            output("dpkg-query", &["-W", "-f=${Status}", p]).is_none_or(|s| !s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = output("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    if !is_root {
        bail!("missing Debian packages: {}. Install them as root: apt-get install {}", missing.join(", "), missing.join(" "));
    }
    sh("apt-get", &["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    sh("apt-get", &args)
}

fn npm_packages() -> Result<()> {
    let root = root();
    let marker = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (std::fs::metadata(&marker), std::fs::metadata(&lock)) {
        (Ok(m), Ok(l)) => m.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    sh("npm", &["ci", "--no-audit", "--no-fund"])
}
