//! The loaded files, kept in the browser so that they come back after a reload.
//!
//! A person who loaded train.csv (and the files beside it) should not have to read it again
//! after a reload. The files are kept, with their fingerprints, in one of two places behind
//! [`FileKeeper`]:
//!
//! - the Origin Private File System ([`Opfs`]): real files in the browser's storage, written
//!   through `createWritable`, which writes to a swap file and replaces the target only when the
//!   stream closes;
//! - IndexedDB's [`FILES`](super::FILES) store ([`InIndexedDb`]): each file as a `Blob` (which
//!   Chromium keeps on disk too), where the OPFS or its writable streams are missing (Safari's
//!   main thread), or when the person forces it on the Data page.
//!
//! A set of files is kept whole or not at all: new bytes go under fresh names, then the manifest
//! ([`KeptFiles`], which names them) replaces the old one, and only then are the files it no
//! longer names deleted. If the browser refuses a write (a full quota), the new bytes are
//! removed and the manifest of before stays, so the files kept before are still there.

use js_sys::{Object, Reflect};
use serde::{Deserialize, Serialize};
use shelfcast_core::ingest::FileFingerprint;
use shelfcast_core::pipeline::InputRole;
use shelfcast_core::{Error, Result};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetDirectoryOptions, FileSystemGetFileOptions, FileSystemWritableFileStream};

use super::{place_error, unless_full, IndexedDbStore};

/// The key (IndexedDB) or file name (OPFS) of the manifest.
pub const MANIFEST: &str = "manifest.json";

/// The OPFS directory the files are kept in.
const OPFS_DIRECTORY: &str = "kept-data";

/// The manifest's format.
pub const KEPT_FILES_VERSION: u32 = 1;

/// One kept file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptFile {
    /// The name it was loaded under.
    pub name: String,
    /// Its blob's name in the keeper (never reused: a new file gets a new one).
    pub stored_as: String,
    /// Its size as loaded (compressed, for a .gz), in bytes.
    pub size: f64,
    /// What the run that read it recorded (sha256 of the decompressed bytes, rows); `None` for
    /// a file beside the sales that no run has read yet.
    pub fingerprint: Option<FileFingerprint>,
    pub kept_at_ms: f64,
}

/// What the engine reads a loaded file as, by its name (a file whose name says nothing is the
/// sales file, as the engine reads it).
pub fn role_of(name: &str) -> InputRole {
    InputRole::of_name(name).unwrap_or(InputRole::Sales)
}

impl KeptFile {
    pub fn role(&self) -> InputRole {
        role_of(&self.name)
    }
}

/// The manifest: what is kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeptFiles {
    pub format_version: u32,
    pub files: Vec<KeptFile>,
}

impl KeptFiles {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a manifest serializes")
    }

    /// Reads a stored manifest; `place` names where it was read from.
    pub fn from_json(json: &str, place: &str) -> Result<KeptFiles> {
        let manifest: KeptFiles = serde_json::from_str(json).map_err(|e| Error::artifact(format!("the list of files kept in {place}"), e))?;
        if manifest.format_version != KEPT_FILES_VERSION {
            return Err(Error::artifact(
                format!("the list of files kept in {place}"),
                format!("format version {} is not one this build reads ({KEPT_FILES_VERSION})", manifest.format_version),
            ));
        }
        Ok(manifest)
    }

    /// This set with `added` in it: a file replaces the kept file of the same role (a new
    /// train.csv replaces the old sales file, a new stores.csv the old one).
    pub fn with(&self, added: &[KeptFile]) -> KeptFiles {
        let mut files: Vec<KeptFile> = self.files.iter().filter(|f| !added.iter().any(|a| a.role() == f.role())).cloned().collect();
        files.extend(added.iter().cloned());
        KeptFiles { format_version: KEPT_FILES_VERSION, files }
    }

    /// Total bytes kept.
    pub fn size(&self) -> f64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// A name for a new blob that no earlier one had: the time, a random part and the file's name.
pub fn fresh_name(name: &str, now_ms: f64) -> String {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' { c } else { '_' }).collect();
    format!("{}-{:08x}-{safe}", now_ms as u64, (js_sys::Math::random() * f64::from(u32::MAX)) as u32)
}

/// Where the files are kept. Every method is all-or-nothing.
#[allow(async_fn_in_trait)] // single-threaded wasm
pub trait FileKeeper {
    /// What this keeper is, for messages ("the Origin Private File System", "IndexedDB").
    fn place(&self) -> &'static str;
    /// The manifest and each kept file's bytes.
    async fn kept(&self) -> Result<(KeptFiles, Vec<(KeptFile, Blob)>)>;
    /// Makes `manifest` the kept set: `new` holds the bytes of its files not kept yet.
    async fn replace(&self, manifest: &KeptFiles, new: &[(String, Blob)]) -> Result<()>;
    /// Deletes every kept file.
    async fn forget(&self) -> Result<()>;
}

/// Pairs a manifest with the blobs found for it; a file whose blob is missing is an error
/// (the keeper was damaged, e.g. cleared by hand).
fn paired(manifest: KeptFiles, mut blobs: Vec<(String, Blob)>, place: &str) -> Result<(KeptFiles, Vec<(KeptFile, Blob)>)> {
    let mut pairs = Vec::new();
    for file in &manifest.files {
        let at = blobs.iter().position(|(key, _)| *key == file.stored_as).ok_or_else(|| {
            Error::artifact(place.to_string(), format!("{} is listed as kept but its bytes are gone; load it again", file.name))
        })?;
        pairs.push((file.clone(), blobs.swap_remove(at).1));
    }
    Ok((manifest, pairs))
}

/// The files in the `files` store of an IndexedDB database (the app's, [`InIndexedDb::app`]).
pub struct InIndexedDb {
    pub database: String,
}

impl InIndexedDb {
    pub fn app() -> InIndexedDb {
        InIndexedDb { database: super::DATABASE_NAME.to_string() }
    }
}

impl FileKeeper for InIndexedDb {
    fn place(&self) -> &'static str {
        "IndexedDB"
    }

    async fn kept(&self) -> Result<(KeptFiles, Vec<(KeptFile, Blob)>)> {
        let store = IndexedDbStore::open(&self.database).await?;
        let (manifest, blobs) = store.kept_files().await?;
        let manifest = manifest.map(|json| KeptFiles::from_json(&json, self.place())).transpose()?.unwrap_or_default();
        paired(manifest, blobs, self.place())
    }

    async fn replace(&self, manifest: &KeptFiles, new: &[(String, Blob)]) -> Result<()> {
        let mut store = IndexedDbStore::open(&self.database).await?;
        let keep: Vec<String> = manifest.files.iter().map(|f| f.stored_as.clone()).collect();
        store.replace_kept_files(new, &manifest.to_json(), &keep).await
    }

    async fn forget(&self) -> Result<()> {
        IndexedDbStore::open(&self.database).await?.forget_files().await
    }
}

/// The files in the Origin Private File System.
pub struct Opfs {
    directory: FileSystemDirectoryHandle,
}

const OPFS: &str = "the Origin Private File System";

fn opfs_error(what: impl std::fmt::Display, e: JsValue) -> Error {
    let reason = e
        .dyn_ref::<web_sys::DomException>()
        .map(|e| format!("{}: {}", e.name(), e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    place_error(OPFS, format!("{what}: {reason}"))
}

async fn wait(promise: js_sys::Promise, what: &str) -> Result<JsValue> {
    JsFuture::from(promise).await.map_err(|e| opfs_error(what, e))
}

impl Opfs {
    /// The app's directory in the OPFS, or `None` where the browser has no OPFS or cannot write
    /// to it from a page (no `createWritable`, as in Safari).
    pub async fn open() -> Option<Opfs> {
        Self::open_in(OPFS_DIRECTORY).await
    }

    /// The same, in the OPFS directory `name`.
    pub async fn open_in(name: &str) -> Option<Opfs> {
        let storage = web_sys::window()?.navigator().storage();
        let has = |target: &JsValue, name: &str| Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false);
        if storage.is_undefined() || !has(&storage, "getDirectory") {
            return None;
        }
        let writable = js_sys::global().dyn_into::<Object>().ok().and_then(|g| Reflect::get(&g, &"FileSystemFileHandle".into()).ok());
        let prototype = writable.and_then(|c| Reflect::get(&c, &"prototype".into()).ok())?;
        if !has(&prototype, "createWritable") {
            return None;
        }
        let root: FileSystemDirectoryHandle = JsFuture::from(storage.get_directory()).await.ok()?.dyn_into().ok()?;
        let options = FileSystemGetDirectoryOptions::new();
        options.set_create(true);
        let directory = JsFuture::from(root.get_directory_handle_with_options(name, &options)).await.ok()?.dyn_into().ok()?;
        Some(Opfs { directory })
    }

    async fn handle(&self, name: &str, create: bool) -> Result<FileSystemFileHandle> {
        let options = FileSystemGetFileOptions::new();
        options.set_create(create);
        let handle = wait(self.directory.get_file_handle_with_options(name, &options), &format!("cannot open {name}")).await?;
        handle.dyn_into().map_err(|_| place_error(OPFS, format!("{name} is not a file")))
    }

    /// Writes `blob` as `name`, whole or not at all (the stream is aborted on any failure,
    /// which discards its swap file).
    async fn write(&self, name: &str, blob: &Blob) -> Result<()> {
        let handle = self.handle(name, true).await?;
        let stream: FileSystemWritableFileStream = wait(handle.create_writable(), &format!("cannot write {name}")).await?.unchecked_into();
        let written = match stream.write_with_blob(blob) {
            Ok(promise) => wait(promise, &format!("cannot write {name}")).await.map(drop),
            Err(e) => Err(opfs_error(format!("cannot write {name}"), e)),
        };
        let result = match written {
            Ok(()) => wait(stream.close(), &format!("cannot finish writing {name}")).await.map(drop),
            Err(e) => {
                let _ = JsFuture::from(stream.abort()).await;
                Err(e)
            }
        };
        if let Err(e) = result {
            return Err(unless_full(OPFS, e, blob.size()).await);
        }
        Ok(())
    }

    async fn remove(&self, name: &str) {
        let _ = JsFuture::from(self.directory.remove_entry(name)).await;
    }

    /// The names of every entry in the directory.
    pub async fn names(&self) -> Result<Vec<String>> {
        let keys = self.directory.keys();
        let mut names = Vec::new();
        loop {
            let next = keys.next().map_err(|e| opfs_error("cannot list the kept files", e))?;
            let step = wait(next, "cannot list the kept files").await?;
            if Reflect::get(&step, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
                return Ok(names);
            }
            if let Some(name) = Reflect::get(&step, &"value".into()).ok().and_then(|v| v.as_string()) {
                names.push(name);
            }
        }
    }

    async fn read(&self, name: &str) -> Result<Option<Blob>> {
        let options = FileSystemGetFileOptions::new();
        let Ok(handle) = JsFuture::from(self.directory.get_file_handle_with_options(name, &options)).await else { return Ok(None) };
        let handle: FileSystemFileHandle = handle.unchecked_into();
        Ok(Some(wait(handle.get_file(), &format!("cannot read {name}")).await?.unchecked_into()))
    }
}

impl FileKeeper for Opfs {
    fn place(&self) -> &'static str {
        OPFS
    }

    async fn kept(&self) -> Result<(KeptFiles, Vec<(KeptFile, Blob)>)> {
        let Some(manifest) = self.read(MANIFEST).await? else { return Ok((KeptFiles::default(), Vec::new())) };
        let text = wait(manifest.text(), "cannot read the list of kept files").await?.as_string().unwrap_or_default();
        let manifest = KeptFiles::from_json(&text, OPFS)?;
        let mut blobs = Vec::new();
        for file in &manifest.files {
            if let Some(blob) = self.read(&file.stored_as).await? {
                blobs.push((file.stored_as.clone(), blob));
            }
        }
        paired(manifest, blobs, OPFS)
    }

    async fn replace(&self, manifest: &KeptFiles, new: &[(String, Blob)]) -> Result<()> {
        let mut written = Vec::new();
        let mut outcome = Ok(());
        for (name, blob) in new {
            outcome = self.write(name, blob).await;
            if outcome.is_err() {
                break;
            }
            written.push(name);
        }
        if outcome.is_ok() {
            let json = Blob::new_with_str_sequence(&js_sys::Array::of1(&manifest.to_json().into())).map_err(|e| opfs_error("cannot make the list", e))?;
            outcome = self.write(MANIFEST, &json).await;
        }
        if let Err(e) = outcome {
            // The manifest of before still names the files of before: only the new bytes go.
            for name in written {
                self.remove(name).await;
            }
            return Err(e);
        }
        // The new set is kept. Whatever its manifest does not name (the files it replaced,
        // leftovers of an interrupted write) is deleted now, or on a later write if this fails.
        for name in self.names().await.unwrap_or_default() {
            if name != MANIFEST && !manifest.files.iter().any(|f| f.stored_as == name) {
                self.remove(&name).await;
            }
        }
        Ok(())
    }

    async fn forget(&self) -> Result<()> {
        // The manifest first: once it is gone nothing is kept, whatever happens to the rest.
        self.remove(MANIFEST).await;
        for name in self.names().await? {
            self.remove(&name).await;
        }
        Ok(())
    }
}

/// The two keepers as one value (the setting picks one per visit).
pub enum Keeper {
    Opfs(Opfs),
    IndexedDb(InIndexedDb),
}

/// Where the setting on the Data page is remembered (`"indexeddb"` forces the fallback).
pub const KEEP_IN_KEY: &str = "shelfcast.keep_files_in";
pub const KEEP_IN_INDEXEDDB: &str = "indexeddb";

impl Keeper {
    /// The OPFS unless it is missing or the setting forces IndexedDB.
    pub async fn chosen(force_indexeddb: bool) -> Keeper {
        if !force_indexeddb {
            if let Some(opfs) = Opfs::open().await {
                return Keeper::Opfs(opfs);
            }
        }
        Keeper::IndexedDb(InIndexedDb::app())
    }

    /// The other one, if the browser has it (to move the files when the setting changes).
    pub async fn other(&self) -> Option<Keeper> {
        match self {
            Keeper::Opfs(_) => Some(Keeper::IndexedDb(InIndexedDb::app())),
            Keeper::IndexedDb(_) => Opfs::open().await.map(Keeper::Opfs),
        }
    }
}

impl FileKeeper for Keeper {
    fn place(&self) -> &'static str {
        match self {
            Keeper::Opfs(k) => k.place(),
            Keeper::IndexedDb(k) => k.place(),
        }
    }

    async fn kept(&self) -> Result<(KeptFiles, Vec<(KeptFile, Blob)>)> {
        match self {
            Keeper::Opfs(k) => k.kept().await,
            Keeper::IndexedDb(k) => k.kept().await,
        }
    }

    async fn replace(&self, manifest: &KeptFiles, new: &[(String, Blob)]) -> Result<()> {
        match self {
            Keeper::Opfs(k) => k.replace(manifest, new).await,
            Keeper::IndexedDb(k) => k.replace(manifest, new).await,
        }
    }

    async fn forget(&self) -> Result<()> {
        match self {
            Keeper::Opfs(k) => k.forget().await,
            Keeper::IndexedDb(k) => k.forget().await,
        }
    }
}
