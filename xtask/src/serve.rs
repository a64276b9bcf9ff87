//! A small static file server for `dist/`, on loopback only.
//!
//! It serves the app under its public URL, sends `.wasm` as `application/wasm` (needed for
//! streaming compilation) and answers unknown paths without a file extension with index.html,
//! as an SPA host should. It is for trying the build locally; any static host serves `dist/`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

pub fn serve(dist: &Path, public_url: &str, port: u16) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    let prefix = crate::dist::normalise_public_url(public_url);
    eprintln!("Shelfcast is served at http://127.0.0.1:{port}{prefix} (Ctrl-C to stop)");
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if let Err(e) = respond(stream, dist, &prefix) {
            eprintln!("request failed: {e}");
        }
    }
    Ok(())
}

fn respond(mut stream: TcpStream, dist: &Path, prefix: &str) -> Result<()> {
    let mut request_line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut request_line)?;
    // Drain the headers; the body of a GET is empty.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let (status, file) = match path.strip_prefix(prefix).or_else(|| (path.to_string() + "/" == prefix).then_some("")) {
        Some(relative) => resolve(dist, relative),
        None => ("404 Not Found", None),
    };
    let (body, content_type) = match file {
        Some(file) => (std::fs::read(&file)?, content_type(&file)),
        None => (b"not found".to_vec(), "text/plain"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    Ok(())
}

/// The file for a request path below the public URL; index.html for app routes.
fn resolve(dist: &Path, relative: &str) -> (&'static str, Option<PathBuf>) {
    let relative = Path::new(relative);
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return ("404 Not Found", None);
    }
    let candidate = dist.join(relative);
    if candidate.is_file() {
        return ("200 OK", Some(candidate));
    }
    if relative.extension().is_none() {
        return ("200 OK", Some(dist.join("index.html")));
    }
    ("404 Not Found", None)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "wasm" => "application/wasm",
        "css" => "text/css",
        "svg" => "image/svg+xml",
        "json" | "webmanifest" => "application/json",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}
