//! The static build: Trunk's release output, made safe and hostable.
//!
//! After `trunk build` we (1) put a Content-Security-Policy `<meta>` into index.html that
//! keeps every request on the page's own origin, allowing Trunk's inline loader script by its
//! sha256 (its text changes with every build's file hashes, so the policy is computed here),
//! and (2) copy index.html to 404.html so hosts without an SPA fallback (GitHub Pages style)
//! still open the app on any deep link, and (3) write the service worker
//! (`public/service-worker.js`) with the build's files and a digest of them, so that the app
//! opens offline after one visit and a new build is a new service worker.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::{root, sh_with_env};

/// Builds into `dist/`.
pub fn build(public_url: &str) -> Result<()> {
    build_into("dist", public_url)
}

/// Builds into `out_dir` (relative to the repository root) for hosting under `public_url`.
pub fn build_into(out_dir: &str, public_url: &str) -> Result<()> {
    let public_url = normalise_public_url(public_url);
    // npm's wasm-opt (binaryen, pinned in package.json) first on PATH: Trunk.toml names its
    // version, so Trunk takes it rather than any other (Debian's binaryen 108 breaks
    // wasm-bindgen's externref table).
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(root().join("node_modules/.bin")).chain(std::env::split_paths(&path)))?;
    let path = path.to_str().context("PATH is not UTF-8")?;
    sh_with_env("trunk", &["build", "--release", "--public-url", &public_url, "--dist", out_dir], &[("PATH", path)])?;
    let dist = root().join(out_dir);
    let index_path = dist.join("index.html");
    let html = std::fs::read_to_string(&index_path).context("trunk wrote no dist/index.html")?;
    let html = with_csp(&html);
    std::fs::write(&index_path, &html)?;
    std::fs::write(dist.join("404.html"), &html)?;
    write_service_worker(&dist)?;
    report_sizes(&dist)?;
    Ok(())
}

/// `/`, or `/path/` with both slashes.
pub fn normalise_public_url(url: &str) -> String {
    let trimmed = url.trim_matches('/');
    if trimmed.is_empty() { "/".into() } else { format!("/{trimmed}/") }
}

/// The sha256 CSP sources of every inline `<script>` in the page.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after_open = &rest[open..];
        let Some(tag_end) = after_open.find('>') else { break };
        let tag = &after_open[..tag_end];
        let body_start = &after_open[tag_end + 1..];
        let Some(close) = body_start.find("</script>") else { break };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_start.as_bytes()[..close]);
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &body_start[close..];
    }
    hashes
}

fn with_csp(html: &str) -> String {
    if html.contains("http-equiv=\"Content-Security-Policy\"") {
        return html.to_string();
    }
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; \
         object-src 'none'; base-uri 'self'; form-action 'none'",
        inline_script_hashes(html).join(" ")
    );
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />");
    const CHARSET: &str = "<meta charset=\"utf-8\" />";
    match html.find(CHARSET) {
        Some(at) => {
            let end = at + CHARSET.len();
            format!("{}\n    {meta}{}", &html[..end], &html[end..])
        }
        None => html.replacen("<head>", &format!("<head>\n    {meta}"), 1),
    }
}

/// The service worker's file name in the build (the page registers it by this name).
const SERVICE_WORKER: &str = "service-worker.js";

/// Writes the service worker into `dist` with the build's files (every file but the 404 page
/// and itself, as paths relative to the app's URL) and their digest.
fn write_service_worker(dist: &Path) -> Result<()> {
    let template = std::fs::read_to_string(root().join("public").join(SERVICE_WORKER)).context("public/service-worker.js")?;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().to_string();
        if path.is_file() && name != "404.html" && name != SERVICE_WORKER {
            files.push(name);
        }
    }
    files.sort();
    let mut digest = Sha256::new();
    for name in &files {
        digest.update(name.as_bytes());
        digest.update(std::fs::read(dist.join(name))?);
    }
    let build: String = digest.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    std::fs::write(dist.join(SERVICE_WORKER), service_worker(&template, &build, &files))?;
    Ok(())
}

fn service_worker(template: &str, build: &str, files: &[String]) -> String {
    let list = serde_json::to_string(files).expect("file names serialize");
    template.replace("\"__SHELFCAST_BUILD__\"", &format!("\"{build}\"")).replace("__SHELFCAST_FILES__", &list)
}

/// Prints the size of the .wasm, raw and gzipped (what a host sends).
fn report_sizes(dist: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let bytes = std::fs::read(&path)?;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&bytes)?;
            let gzipped = gz.finish()?.len();
            eprintln!(
                "{}: {} KiB raw, {} KiB gzipped",
                path.file_name().unwrap_or_default().to_string_lossy(),
                bytes.len() / 1024,
                gzipped / 1024
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hashes_inline_scripts_only() {
        let html = "<html><head><meta charset=\"utf-8\" /><script src=\"/a.js\"></script><script type=\"module\">init()</script></head></html>";
        let out = with_csp(html);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert!(out.contains(&format!("'sha256-{expected}'")), "{out}");
        assert_eq!(inline_script_hashes(&out).len(), 1);
        assert!(out.contains("connect-src 'self'"));
        assert_eq!(with_csp(&out), out, "applying twice changes nothing");
    }

    #[test]
    fn the_service_worker_names_the_build_and_its_files() {
        let template = std::fs::read_to_string(root().join("public").join(SERVICE_WORKER)).unwrap();
        let written = service_worker(&template, "0123abcd", &["index.html".into(), "app_bg.wasm".into()]);
        assert!(written.contains(r#"const BUILD = "0123abcd";"#), "{written}");
        assert!(written.contains(r#"const FILES = ["index.html","app_bg.wasm"];"#), "{written}");
        assert!(!written.contains("__SHELFCAST"), "every placeholder is filled");
    }

    #[test]
    fn public_urls() {
        assert_eq!(normalise_public_url(""), "/");
        assert_eq!(normalise_public_url("/"), "/");
        assert_eq!(normalise_public_url("shelf/cast"), "/shelf/cast/");
        assert_eq!(normalise_public_url("/shelf/"), "/shelf/");
    }
}
