//! Browser tests of the app: its IndexedDB store and its views, in headless Chromium.
//!
//! `cargo xtask test` runs them (its `browser_tests` shows the command and the environment
//! wasm-bindgen-test-runner needs); Chromium's flags are in `webdriver.json`.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use idb::{Factory, TransactionMode};
use js_sys::{Object, Reflect};
use leptos::prelude::*;
use shelfcast_app::components::{MetricsTable, ProgressBar, StageGrid};
use shelfcast_app::protocol::Response;
use shelfcast_app::state::{AppState, StageView};
use shelfcast_core::pipeline::{PipelineEvent, Stage};
use shelfcast_app::storage::kept_files::{FileKeeper, InIndexedDb, KeptFile, KeptFiles, Opfs};
use shelfcast_app::storage::{blob_field, request_persistence, run_field, IndexedDbStore, DB_VERSION, DETAILS, EXPERIMENTS, FILES, MODELS, REGISTRY, RUNS};
use shelfcast_core::registry::{update, ModelStore, Registry, StoredModel};
use shelfcast_core::metrics::Metrics;
use shelfcast_core::tracking::{
    experiments_of, DatasetFingerprint, RecordProblem, RunRecord, RunStatus, RunStore, StageState, RUN_RECORD_VERSION,
};
use shelfcast_core::pipeline::{RunDetail, RunDetailStore, RunLog};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test (or earlier run in the same profile) uses.
fn fresh_database(test: &str) -> String {
    format!("shelfcast-test-{test}-{}", js_sys::Date::now())
}

fn run(run_id: &str, start_time_ms: i64) -> RunRecord {
    RunRecord {
        schema_version: RUN_RECORD_VERSION,
        run_id: run_id.into(),
        experiment_id: "0".into(),
        experiment: "walmart_week3_baselines".into(),
        status: RunStatus::Finished,
        start_time_ms,
        end_time_ms: Some(start_time_ms + 1_500),
        params: BTreeMap::from([("model".into(), "ridge".into()), ("alpha".into(), "1".into())]),
        metrics: BTreeMap::from([("test_wmae".into(), 2858.373)]),
        tags: BTreeMap::new(),
        stages: Vec::new(),
        dataset: DatasetFingerprint::new(Vec::new()),
        contracts: Vec::new(),
        registrable: true,
        error: None,
    }
}

fn ids(runs: &[RunRecord]) -> Vec<&str> {
    runs.iter().map(|r| r.run_id.as_str()).collect()
}

/// The ids of every readable run a store lists, newest first.
async fn listed(store: &IndexedDbStore) -> Vec<String> {
    let listing = store.list_runs().await.unwrap();
    assert_eq!(listing.damaged, [], "no damaged records");
    listing.runs.into_iter().map(|r| r.run_id).collect()
}

/// Writes a row straight into the runs store, as an older build (or a damaged one) left it.
async fn put_raw_row(database: &str, run_id: &str, start_time_ms: i64, json: &str) {
    put_row(database, &[
        (run_field::RUN_ID, JsValue::from_str(run_id)),
        (run_field::JSON, JsValue::from_str(json)),
        (run_field::START_TIME_MS, JsValue::from_f64(start_time_ms as f64)),
        (run_field::EXPERIMENT, JsValue::from_str("walmart_week3_baselines")),
    ])
    .await;
}

/// Writes a row of exactly these fields into the runs store.
async fn put_row(database: &str, fields: &[(&str, JsValue)]) {
    put_row_into(database, RUNS, fields).await;
}

/// Writes a row of exactly these fields into `store`.
async fn put_row_into(database: &str, store: &str, fields: &[(&str, JsValue)]) {
    let row = Object::new();
    for (name, value) in fields {
        Reflect::set(&row, &JsValue::from_str(name), value).unwrap();
    }
    let connection = Factory::new().unwrap().open(database, None).unwrap().await.unwrap();
    let transaction = connection.transaction(&[store], TransactionMode::ReadWrite).unwrap();
    transaction.object_store(store).unwrap().put(&row, None).unwrap().await.unwrap();
    assert!(transaction.await.unwrap().is_committed());
    connection.close();
}

/// Whether the runs store holds a row for `run_id`, read without decoding it.
async fn raw_row_exists(database: &str, run_id: &str) -> bool {
    let connection = Factory::new().unwrap().open(database, None).unwrap().await.unwrap();
    let transaction = connection.transaction(&[RUNS], TransactionMode::ReadOnly).unwrap();
    let count = transaction.object_store(RUNS).unwrap().count(Some(JsValue::from_str(run_id).into())).unwrap().await.unwrap();
    transaction.await.unwrap();
    connection.close();
    count == 1
}


#[wasm_bindgen_test]
async fn runs_read_back_and_list_newest_first() {
    let mut store = IndexedDbStore::open(&fresh_database("list")).await.unwrap();
    for (id, start) in [("b", 2_000), ("a", 1_000), ("c", 3_000)] {
        store.put_run(&run(id, start)).await.unwrap();
    }
    assert_eq!(store.get_run("a").await.unwrap(), Some(run("a", 1_000)));
    assert_eq!(store.get_run("missing").await.unwrap(), None);
    assert_eq!(listed(&store).await, ["c", "b", "a"]);

    // Putting a run again replaces it.
    let mut changed = run("a", 4_000);
    changed.tags.insert("note".into(), "rerun".into());
    store.put_run(&changed).await.unwrap();
    let runs = store.list_runs().await.unwrap().runs;
    assert_eq!(ids(&runs), ["a", "c", "b"]);
    assert_eq!(runs[0], changed);
}

#[wasm_bindgen_test]
async fn runs_survive_closing_and_reopening_the_database() {
    let name = fresh_database("reopen");
    let mut store = IndexedDbStore::open(&name).await.unwrap();
    store.put_run(&run("kept", 1_000)).await.unwrap();
    store.close();

    let store = IndexedDbStore::open(&name).await.unwrap();
    assert_eq!(store.get_run("kept").await.unwrap(), Some(run("kept", 1_000)));
    assert_eq!(listed(&store).await, ["kept"]);
}

#[wasm_bindgen_test]
async fn deleting_says_whether_the_run_was_there() {
    let mut store = IndexedDbStore::open(&fresh_database("delete")).await.unwrap();
    store.put_run(&run("gone", 1_000)).await.unwrap();
    store.put_run(&run("stays", 2_000)).await.unwrap();
    assert!(store.delete_run("gone").await.unwrap());
    assert!(!store.delete_run("gone").await.unwrap());
    assert_eq!(store.get_run("gone").await.unwrap(), None);
    assert_eq!(listed(&store).await, ["stays"]);
}

#[path = "../crates/core/tests/common/stored_records.rs"]
mod stored_records;

/// The run records earlier builds wrote (tests/fixtures/run_records/), stored as rows the way
/// the app stores them, read back through IndexedDB: upgraded with every field kept, and
/// written back in this build's version when saved again.
#[wasm_bindgen_test]
async fn records_written_by_earlier_builds_read_back_upgraded_and_intact() {
    let name = fresh_database("migrate");
    IndexedDbStore::open(&name).await.unwrap().close();
    for fixture in stored_records::FIXTURES {
        let run_id = stored_records::run_id(fixture.stored);
        put_raw_row(&name, &run_id, fixture.start_time_ms(), fixture.stored).await;
    }
    let mut store = IndexedDbStore::open(&name).await.unwrap();
    let listing = store.list_runs().await.unwrap();
    assert_eq!(listing.damaged, []);
    assert_eq!(listing.runs.len(), stored_records::FIXTURES.len());
    for fixture in stored_records::FIXTURES {
        let run_id = stored_records::run_id(fixture.stored);
        let run = store.get_run(&run_id).await.unwrap().expect("the stored run is found");
        fixture.check(&run);
        assert!(listing.runs.contains(&run));
        store.put_run(&run).await.unwrap();
        assert_eq!(store.get_run(&run_id).await.unwrap(), Some(run));
    }
}

/// A row that cannot be read, and one a newer build wrote, are listed as damaged with the
/// reason beside the good runs (never instead of them), are kept untouched, and can be deleted.
#[wasm_bindgen_test]
async fn an_unreadable_record_is_listed_apart_and_kept() {
    let name = fresh_database("unreadable");
    let mut store = IndexedDbStore::open(&name).await.unwrap();
    store.put_run(&run("fine", 1_000)).await.unwrap();
    let future = r#"{"schema_version": 99, "run_id": "from-the-future"}"#;
    put_raw_row(&name, "from-the-future", 2_000, future).await;
    put_raw_row(&name, "broken", 3_000, "{\"schema_version\": 2").await;

    let get = store.get_run("from-the-future").await.unwrap_err().to_string();
    assert_eq!(
        get,
        "IndexedDB: run from-the-future is stored but written by a newer version of Shelfcast (record version 99; this build reads 1 to 4); kept untouched"
    );
    let listing = store.list_runs().await.unwrap();
    assert_eq!(ids(&listing.runs), ["fine"]);
    let damaged: Vec<(&str, &RecordProblem, &str)> = listing.damaged.iter().map(|d| (d.key.as_str(), &d.problem, d.stored.as_str())).collect();
    assert_eq!(
        damaged,
        [
            ("broken", &RecordProblem::Unreadable { reason: "run record: not JSON: EOF while parsing an object at line 1 column 20".into() }, "{\"schema_version\": 2"),
            ("from-the-future", &RecordProblem::Newer { version: 99 }, future),
        ]
    );
    assert!(raw_row_exists(&name, "from-the-future").await);
    assert_eq!(store.get_run("fine").await.unwrap(), Some(run("fine", 1_000)));

    // Deleting them on purpose works.
    assert!(store.delete_run("from-the-future").await.unwrap());
    assert!(store.delete_run("broken").await.unwrap());
    assert_eq!(listed(&store).await, ["fine"]);
}

/// A row without the index fields (written by another build, or by hand) is not in the
/// start-time index; it is listed all the same, in its place by start time.
#[wasm_bindgen_test]
async fn a_row_missing_from_the_start_time_index_is_still_listed() {
    let name = fresh_database("unindexed");
    let mut store = IndexedDbStore::open(&name).await.unwrap();
    store.put_run(&run("indexed", 1_000)).await.unwrap();
    let unindexed = run("unindexed", 2_000);
    put_row(&name, &[(run_field::RUN_ID, JsValue::from_str("unindexed")), (run_field::JSON, JsValue::from_str(&unindexed.to_json()))]).await;
    assert_eq!(listed(&store).await, ["unindexed", "indexed"]);
    assert_eq!(store.get_run("unindexed").await.unwrap(), Some(unindexed));
}

/// A newer build opening the database in another tab asks this connection to give way: it
/// closes at once (the newer build is not blocked), and this store's later calls fail with an
/// error instead of hanging. Opened again, the old build says the database is newer than it
/// knows, and the runs are untouched.
#[wasm_bindgen_test]
async fn the_store_gives_way_to_a_newer_build_and_then_says_so() {
    let name = fresh_database("newer-tab");
    let mut store = IndexedDbStore::open(&name).await.unwrap();
    store.put_run(&run("kept", 1_000)).await.unwrap();

    let blocked = std::rc::Rc::new(std::cell::Cell::new(false));
    let mut request = Factory::new().unwrap().open(&name, Some(DB_VERSION + 1)).unwrap();
    request.on_blocked({
        let blocked = std::rc::Rc::clone(&blocked);
        move |_| blocked.set(true)
    });
    let newer = request.await.expect("the newer build opens the database");
    assert!(!blocked.get(), "this connection closed before the newer build had to wait");
    assert_eq!(newer.version().unwrap(), DB_VERSION + 1);
    newer.close();

    let error = store.list_runs().await.unwrap_err().to_string();
    assert!(error.starts_with("IndexedDB: "), "{error}");
    let reopened = IndexedDbStore::open(&name).await.unwrap_err().to_string();
    assert_eq!(
        reopened,
        format!(
            "IndexedDB: database {name} was upgraded to schema version {} by a newer version of Shelfcast; this build knows versions up to {DB_VERSION}. \
             Open the newer version: the runs stored there are untouched",
            DB_VERSION + 1
        )
    );
    assert!(raw_row_exists(&name, "kept").await);
}

/// A database at schema version 1, created as the build before the registry created it (the
/// runs store and its indexes) and holding the run records earlier builds wrote, opens at
/// version 2 with every run intact and the model and registry stores ready.
#[wasm_bindgen_test]
async fn a_version_1_database_upgrades_with_every_run_kept() {
    let name = fresh_database("v1-upgrade");
    create_old_schema(&name, 1).await;
    let v1 = Factory::new().unwrap().open(&name, None).unwrap().await.unwrap();
    assert_eq!((v1.version().unwrap(), v1.store_names()), (1, vec![RUNS.to_string()]));
    v1.close();
    for fixture in stored_records::FIXTURES {
        put_raw_row(&name, &stored_records::run_id(fixture.stored), fixture.start_time_ms(), fixture.stored).await;
    }
    let store = IndexedDbStore::open(&name).await.unwrap();
    let listing = store.list_runs().await.unwrap();
    assert_eq!((listing.runs.len(), listing.damaged.len()), (stored_records::FIXTURES.len(), 0));
    for fixture in stored_records::FIXTURES {
        fixture.check(&store.get_run(&stored_records::run_id(fixture.stored)).await.unwrap().unwrap());
    }
    assert!(store.registry().await.unwrap().models.is_empty());
    assert_eq!(store.get_model_json("any").await.unwrap(), None);
    store.close();
    let connection = Factory::new().unwrap().open(&name, None).unwrap().await.unwrap();
    assert_eq!(connection.version().unwrap(), DB_VERSION);
    connection.close();
}

/// A database at schema version 2, created as the release before run details and experiments
/// created it (runs with their indexes, models, registry) and holding every run record earlier
/// builds wrote, a model and a registered model, opens at version 3 with all of it intact:
/// every run gets its experiment's id, the default experiment is stored on the first listing,
/// and details can be kept from then on.
#[wasm_bindgen_test]
async fn a_version_2_database_upgrades_with_every_run_model_and_registration_kept() {
    let name = fresh_database("v2-upgrade");
    create_old_schema(&name, 2).await;
    for fixture in stored_records::FIXTURES {
        put_raw_row(&name, &stored_records::run_id(fixture.stored), fixture.start_time_ms(), fixture.stored).await;
    }
    // A model row and a registration row as the previous release laid them out (`{key, json}`;
    // the migration must leave the text as it is, whatever it holds).
    let forecast_run = stored_records::run_id(stored_records::FIXTURES.iter().find(|f| f.file == "v3/forecast.json").unwrap().stored);
    let model_json = r#"{"format_version": 1, "run_id": "kept as written"}"#;
    put_row_into(&name, MODELS, &[(blob_field::RUN_ID, JsValue::from_str(&forecast_run)), (blob_field::JSON, JsValue::from_str(model_json))]).await;
    let registered = format!(r#"{{"name": "walmart", "versions": [{{"version": 1, "run_id": "{forecast_run}"}}], "kept": "as written"}}"#);
    put_row_into(&name, REGISTRY, &[(blob_field::NAME, JsValue::from_str("walmart")), (blob_field::JSON, JsValue::from_str(&registered))]).await;

    let mut store = IndexedDbStore::open(&name).await.unwrap();
    let listing = store.list_runs().await.unwrap();
    assert_eq!((listing.runs.len(), listing.damaged.len()), (stored_records::FIXTURES.len(), 0), "every run opens");
    for fixture in stored_records::FIXTURES {
        fixture.check(&store.get_run(&stored_records::run_id(fixture.stored)).await.unwrap().unwrap());
    }
    assert_eq!(store.get_model_json(&forecast_run).await.unwrap().as_deref(), Some(model_json), "the model row is untouched");
    let registry_text = raw_text(&name, REGISTRY, "walmart").await;
    assert_eq!(registry_text, registered, "the registered model is untouched");
    assert_eq!(store.get_detail(&forecast_run).await.unwrap(), None, "runs from before details have none");
    let experiments = experiments_of(&mut store, &listing.runs).await.unwrap();
    assert_eq!(experiments.iter().map(|e| (e.experiment_id.as_str(), e.name.as_str())).collect::<Vec<_>>(), [("0", "walmart_week3_baselines")]);
    assert_eq!(store.list_experiments().await.unwrap().len(), 1, "stored on the first listing");
    store.close();
    let connection = Factory::new().unwrap().open(&name, None).unwrap().await.unwrap();
    assert_eq!(connection.version().unwrap(), DB_VERSION);
    connection.close();
}

/// The `json` text of the row under `key` in `store`, read without the app's store.
async fn raw_text(database: &str, store: &str, key: &str) -> String {
    let connection = Factory::new().unwrap().open(database, None).unwrap().await.unwrap();
    let transaction = connection.transaction(&[store], TransactionMode::ReadOnly).unwrap();
    let row = transaction.object_store(store).unwrap().get(JsValue::from_str(key)).unwrap().await.unwrap().unwrap();
    transaction.await.unwrap();
    connection.close();
    Reflect::get(&row, &JsValue::from_str(blob_field::JSON)).unwrap().as_string().unwrap()
}

/// A run's detail and the experiments are kept in IndexedDB: a detail reads back equal and
/// goes when its run is deleted; an experiment created and renamed is read back renamed.
#[wasm_bindgen_test]
async fn details_and_experiments_are_kept_in_indexeddb() {
    use shelfcast_core::pipeline::{self, Clock, PipelineConfig, Suites};
    struct Fixed;
    impl Clock for Fixed {
        fn now_ms(&self) -> f64 {
            1_000.0
        }
    }
    let sample = pipeline::InputFile::train_csv(shelfcast_core::synthetic::sample_train_csv_for_stores(shelfcast_core::synthetic::DEFAULT_SEED, 2));
    let mut log = RunLog::default();
    let outcome = pipeline::run(&[sample], &PipelineConfig::default(), &Suites::shipped(), &Fixed, &mut |event| log.observe(&event, 1.0));
    let detail = RunDetail::of_outcome(&outcome, log);
    let mut store = IndexedDbStore::open(&fresh_database("details")).await.unwrap();
    store.put_run(&outcome.record).await.unwrap();
    store.put_detail(&detail).await.unwrap();
    assert_eq!(store.get_detail(&outcome.record.run_id).await.unwrap(), Some(detail.clone()));
    assert!(detail.raw_validation.is_some() && !detail.totals.is_empty());
    assert!(store.delete_run(&outcome.record.run_id).await.unwrap());
    assert_eq!(store.get_detail(&outcome.record.run_id).await.unwrap(), None, "the detail goes with its run");

    let mut experiments = experiments_of(&mut store, &[]).await.unwrap();
    let created = experiments.create("holidays", 10).unwrap();
    store.put_experiment(&created).await.unwrap();
    let renamed = experiments.rename(&created.experiment_id, "holiday weeks", 11).unwrap();
    store.put_experiment(&renamed).await.unwrap();
    let again = experiments_of(&mut store, &[]).await.unwrap();
    assert_eq!(again.get(&created.experiment_id).map(|e| e.name.as_str()), Some("holiday weeks"));
    assert_eq!(again.iter().count(), 2);
}

/// A forecast run's model and the registry go through IndexedDB: the model comes back equal,
/// versions and aliases are kept, and a refused change writes nothing.
#[wasm_bindgen_test]
async fn models_and_the_registry_are_kept_in_indexeddb() {
    use shelfcast_core::pipeline::{self, Clock, ForecastSettings, InputFile, PipelineConfig, Suites};
    struct Fixed;
    impl Clock for Fixed {
        fn now_ms(&self) -> f64 {
            1_000.0
        }
    }
    let config = PipelineConfig { forecast: Some(ForecastSettings { horizon: 13, backtest_windows: 1, ..ForecastSettings::default() }), ..PipelineConfig::default() };
    let sample = InputFile::train_csv(shelfcast_core::synthetic::sample_train_csv_for_stores(shelfcast_core::synthetic::DEFAULT_SEED, 2));
    let outcome = pipeline::run(&[sample], &config, &Suites::shipped(), &Fixed, &mut |_| {});
    let model = StoredModel::of_outcome(&outcome).expect("a forecast model");
    let mut store = IndexedDbStore::open(&fresh_database("registry")).await.unwrap();
    store.put_run(&outcome.record).await.unwrap();
    store.put_model(&model).await.unwrap();
    assert_eq!(store.get_model(&outcome.record.run_id).await.unwrap(), Some(model.clone()));
    let record = outcome.record.clone();
    let head = model.head();
    for _ in 0..2 {
        update(&mut store, "walmart", |r: &mut Registry| r.register("walmart", &record, Some(&head), 5)).await.unwrap();
    }
    update(&mut store, "walmart", |r| r.set_alias("walmart", "champion", 2, 6)).await.unwrap();
    assert!(update(&mut store, "walmart", |r| r.set_alias("walmart", "champion", 9, 7)).await.is_err());
    let registry = store.registry().await.unwrap();
    let walmart = registry.get("walmart").unwrap();
    assert_eq!((walmart.last_version, walmart.aliases["champion"]), (2, 2));
    assert_eq!(walmart.version(1).unwrap().run_id, outcome.record.run_id);
}

/// A new database gets this build's schema: the runs store keyed by run id, with its indexes.
#[wasm_bindgen_test]
async fn a_new_database_gets_the_current_schema() {
    let name = fresh_database("schema");
    IndexedDbStore::open(&name).await.unwrap().close();
    let connection = Factory::new().unwrap().open(&name, None).unwrap().await.unwrap();
    assert_eq!(connection.version().unwrap(), DB_VERSION);
    assert_eq!(connection.store_names(), [DETAILS, EXPERIMENTS, FILES, MODELS, REGISTRY, RUNS]);
    let transaction = connection.transaction(&[RUNS], TransactionMode::ReadOnly).unwrap();
    let runs = transaction.object_store(RUNS).unwrap();
    let mut indexes = runs.index_names();
    indexes.sort();
    assert_eq!(indexes, [run_field::EXPERIMENT, run_field::START_TIME_MS]);
    assert_eq!(runs.key_path().unwrap(), Some(idb::KeyPath::new_single(run_field::RUN_ID)));
    transaction.await.unwrap();
    connection.close();
}

/// The answer to `navigator.storage.persist()` is the browser's: afterwards `persisted()`
/// says the same (headless Chromium may grant or refuse; an error or a hang would fail).
#[wasm_bindgen_test]
async fn asking_for_persistent_storage_reports_the_browsers_answer() {
    let granted = request_persistence().await;
    let storage = web_sys::window().unwrap().navigator().storage();
    let persisted = wasm_bindgen_futures::JsFuture::from(storage.persisted().unwrap()).await.unwrap();
    assert_eq!(persisted.as_bool(), Some(granted));
}

#[wasm_bindgen_test]
fn the_metrics_table_shows_train_and_test_metrics() {
    let document = web_sys::window().unwrap().document().unwrap();
    // A fresh host element: the test runner reports results from the page's body.
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();

    let train = Metrics { mae: 1234.5678, rmse: 2000.0, r2: 0.98765, wmae: 1300.0004, rows: 300_000 };
    let mounted = leptos::mount::mount_to(host.clone(), move || view! { <MetricsTable train=Some(train) test=None /> });
    let cell = |id: &str| host.query_selector(&format!("#{id}")).unwrap().and_then(|e| e.text_content());
    assert_eq!(cell("train-rows").as_deref(), Some("300000"));
    assert_eq!(cell("train-mae").as_deref(), Some("1234.568"));
    assert_eq!(cell("train-r2").as_deref(), Some("0.9877"));
    assert_eq!(cell("train-wmae").as_deref(), Some("1300.000"));
    assert_eq!(cell("test-mae").as_deref(), Some("—"));

    drop(mounted);
    assert!(host.query_selector("#metrics").unwrap().is_none(), "unmounting removes the table");
    host.remove();
}

/// Lets the page's scheduled work (Leptos effects) run.
async fn next_task() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// The stage grid: every task in order, queued until reported, and a "Run from here" button per
/// task that names its stage and is disabled while a run is going.
#[wasm_bindgen_test]
async fn the_stage_grid_offers_run_from_here_per_task() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();

    let stages = RwSignal::new(vec![StageView {
        stage: Stage::Ingest,
        state: StageState::Success,
        duration_ms: Some(12.25),
        message: "train.csv: 10 rows".into(),
    }]);
    let busy = RwSignal::new(false);
    let clicked = RwSignal::new(Vec::<Stage>::new());
    let on_run_from = Callback::new(move |stage| clicked.update(|c| c.push(stage)));
    let mounted = leptos::mount::mount_to(host.clone(), move || view! { <StageGrid stages=stages on_run_from=on_run_from busy=busy/> });
    let cells = |selector: &str| -> Vec<String> {
        let list = host.query_selector_all(selector).unwrap();
        (0..list.length()).filter_map(|i| list.get(i)).filter_map(|n| n.text_content()).collect()
    };
    assert_eq!(cells("tbody td.state"), ["success", "queued", "queued", "queued", "queued", "queued", "queued"]);
    assert_eq!(cells("tbody td.num")[0], "12.2 ms");
    let button = |stage: &str| -> web_sys::HtmlButtonElement {
        host.query_selector(&format!("tr[data-stage={stage}] button.run-from")).unwrap().unwrap().unchecked_into()
    };
    button("split").click();
    button("train").click();
    assert_eq!(clicked.get_untracked(), [Stage::Split, Stage::Train]);
    busy.set(true);
    next_task().await;
    assert!(button("train").disabled(), "no second run while one is going");
    button("evaluate").click();
    assert_eq!(clicked.get_untracked().len(), 2);

    // A forecast run's grid: its own four tasks.
    stages.set(vec![StageView { stage: Stage::Backtest, state: StageState::Running, duration_ms: None, message: String::new() }]);
    next_task().await;
    let tasks: Vec<String> = {
        let rows = host.query_selector_all("tbody tr").unwrap();
        (0..rows.length()).filter_map(|i| rows.get(i)).map(|r| r.unchecked_into::<web_sys::Element>().get_attribute("data-stage").unwrap()).collect()
    };
    assert_eq!(tasks, ["ingest", "raw_contract", "backtest", "forecast"]);
    assert_eq!(cells("tbody td.state"), ["queued", "queued", "running", "queued"]);
    assert_eq!(cells("caption"), ["Tasks: ingest → raw contract → backtest → forecast"]);

    drop(mounted);
    host.remove();
}

/// The progress bar follows the worker's messages: hidden while idle, indeterminate until a
/// stage reports how far it is, then that stage's count and note; gone when the run ends.
#[wasm_bindgen_test]
async fn the_progress_bar_follows_the_running_stage() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let state = AppState::default();
    let mounted = leptos::mount::mount_to(host.clone(), move || {
        provide_context(state);
        view! { <ProgressBar/> }
    });
    // (value, max, label) of the bar, or None when there is none.
    let bar = || -> Option<(Option<String>, Option<String>, String)> {
        let progress = host.query_selector("#progress").unwrap()?;
        let label = host.query_selector(".progress span").unwrap().and_then(|s| s.text_content()).unwrap_or_default();
        Some((progress.get_attribute("value"), progress.get_attribute("max"), label))
    };
    assert_eq!(bar(), None, "idle: no bar");
    state.busy.set(true);
    next_task().await;
    assert_eq!(bar(), Some((None, None, "working…".into())), "busy, nothing reported yet: indeterminate");
    let event = |event| state.apply(Response::Event { event });
    event(PipelineEvent::Stage { stage: Stage::Train, state: StageState::Running, duration_ms: None, message: String::new() });
    event(PipelineEvent::Progress { stage: Stage::Train, done: 20, total: 70, note: "20 of 70 trees built".into() });
    next_task().await;
    assert_eq!(bar(), Some((Some("20".into()), Some("70".into()), "train: 20 of 70 trees built".into())));
    assert_eq!(state.status.get_untracked(), "Running train…");
    // The next stage starting clears the count until it reports its own.
    event(PipelineEvent::Stage { stage: Stage::Evaluate, state: StageState::Running, duration_ms: None, message: String::new() });
    next_task().await;
    assert_eq!(bar(), Some((None, None, "working…".into())));
    state.apply(Response::Failed { message: "the worker stopped".into() });
    next_task().await;
    assert_eq!(bar(), None, "the run ended: no bar");
    assert_eq!(state.error.get_untracked().as_deref(), Some("the worker stopped"));

    drop(mounted);
    host.remove();
}

#[path = "../crates/core/tests/common/cross_platform.rs"]
mod cross_platform;

/// The models fitted in WebAssembly predict what the native build predicts (the fixture the
/// native test checks too), and two fits with the same seed agree exactly.
#[wasm_bindgen_test]
fn fits_in_the_browser_match_the_native_ones() {
    let actual = cross_platform::predictions();
    assert_eq!(actual, cross_platform::predictions());
    let differences = cross_platform::differences(&actual);
    assert!(differences.is_empty(), "browser predictions differ from the native fixture:\n{}", differences.join("\n"));
}

/// The Train page's settings become a pipeline configuration beside the state: the text
/// fields parsed by the core's parsers, a bad value said plainly.
#[wasm_bindgen_test]
fn the_settings_make_the_pipeline_configuration() {
    let state = AppState::default();
    let settings = state.settings.get_untracked();
    let config = settings.pipeline_config().unwrap();
    assert_eq!(config.model.params()["alpha"], "1");
    assert_eq!(config.cutoff, None);
    let with = |alpha: &str, cutoff: &str| shelfcast_app::state::Settings { alpha: alpha.into(), cutoff: cutoff.into(), ..settings.clone() }.pipeline_config();
    assert_eq!(with("abc", "").unwrap_err(), "parameter \"alpha\" must be a number ≥ 0, got \"abc\"");
    assert_eq!(with("1", "2012-13-01").unwrap_err(), "the cutoff must be a date YYYY-MM-DD, got \"2012-13-01\"");
    assert_eq!(with(" 100 ", " 2012-02-03 ").unwrap().cutoff, shelfcast_core::calendar::parse_iso_date(b"2012-02-03"));
}

/// Creates `name` at schema `version` (1 to 3) as those releases laid it out: runs with their
/// indexes (1), models and registry (2), details and experiments (3).
async fn create_old_schema(name: &str, version: u32) {
    let mut request = Factory::new().unwrap().open(name, Some(version)).unwrap();
    request.on_upgrade_needed(move |event| {
        use idb::{Event, Request};
        let database = event.target().unwrap().transaction().unwrap().database();
        let keyed = |key: &str| {
            let mut params = idb::ObjectStoreParams::new();
            params.key_path(Some(idb::KeyPath::new_single(key)));
            params
        };
        let runs = database.create_object_store(RUNS, keyed(run_field::RUN_ID)).unwrap();
        for field in [run_field::START_TIME_MS, run_field::EXPERIMENT] {
            runs.create_index(field, idb::KeyPath::new_single(field), Some(idb::IndexParams::new())).unwrap();
        }
        let later = [(2, MODELS, blob_field::RUN_ID), (2, REGISTRY, blob_field::NAME), (3, DETAILS, blob_field::RUN_ID), (3, EXPERIMENTS, blob_field::EXPERIMENT_ID)];
        for (since, store, key) in later {
            if version >= since {
                database.create_object_store(store, keyed(key)).unwrap();
            }
        }
    });
    let database = request.await.unwrap();
    assert_eq!(database.version().unwrap(), version);
    database.close();
}

/// A database at schema version 3 holding every run record earlier builds wrote, a detail, a
/// model, a registered model and an experiment opens at version 4 with all of it intact and
/// an empty store of kept files.
#[wasm_bindgen_test]
async fn a_version_3_database_upgrades_with_everything_kept() {
    let name = fresh_database("v3-upgrade");
    create_old_schema(&name, 3).await;
    for fixture in stored_records::FIXTURES {
        put_raw_row(&name, &stored_records::run_id(fixture.stored), fixture.start_time_ms(), fixture.stored).await;
    }
    let forecast_run = stored_records::run_id(stored_records::FIXTURES.iter().find(|f| f.file == "v3/forecast.json").unwrap().stored);
    let rows = [
        (MODELS, blob_field::RUN_ID, forecast_run.clone(), r#"{"format_version": 1, "run_id": "kept as written"}"#.to_string()),
        (DETAILS, blob_field::RUN_ID, forecast_run.clone(), r#"{"format_version": 1, "kept": "as written"}"#.to_string()),
        (REGISTRY, blob_field::NAME, "walmart".to_string(), r#"{"name": "walmart", "kept": "as written"}"#.to_string()),
        (EXPERIMENTS, blob_field::EXPERIMENT_ID, "7".to_string(), r#"{"experiment_id": "7", "kept": "as written"}"#.to_string()),
    ];
    for (store, key_field, key, json) in &rows {
        put_row_into(&name, store, &[(key_field, JsValue::from_str(key)), (blob_field::JSON, JsValue::from_str(json))]).await;
    }

    let store = IndexedDbStore::open(&name).await.unwrap();
    let listing = store.list_runs().await.unwrap();
    assert_eq!((listing.runs.len(), listing.damaged.len()), (stored_records::FIXTURES.len(), 0), "every run opens");
    for fixture in stored_records::FIXTURES {
        fixture.check(&store.get_run(&stored_records::run_id(fixture.stored)).await.unwrap().unwrap());
    }
    let (manifest, blobs) = store.kept_files().await.unwrap();
    assert_eq!((manifest, blobs.len()), (None, 0), "nothing kept yet");
    store.close();
    for (store, _, key, json) in &rows {
        assert_eq!(&raw_text(&name, store, key).await, json, "the {store} row is untouched");
    }
    let connection = Factory::new().unwrap().open(&name, None).unwrap().await.unwrap();
    assert_eq!(connection.version().unwrap(), DB_VERSION);
    assert!(connection.store_names().contains(&FILES.to_string()));
    connection.close();
}

/// An older build's tab that holds the database open at version 3 and does not give way blocks
/// the upgrade: the open says so once and waits; as soon as that tab lets go the upgrade runs,
/// and its runs are all there.
#[wasm_bindgen_test]
async fn an_upgrade_blocked_by_an_old_tab_waits_for_it_and_loses_nothing() {
    let name = fresh_database("blocked-upgrade");
    create_old_schema(&name, 3).await;
    put_raw_row(&name, "from-the-old-build", 1_000, &run("from-the-old-build", 1_000).to_json()).await;
    // The old tab: a connection at version 3 with no versionchange handler.
    let old_tab = Factory::new().unwrap().open(&name, Some(3)).unwrap().await.unwrap();

    let blocked = std::rc::Rc::new(std::cell::Cell::new(0));
    let opened = std::rc::Rc::new(std::cell::RefCell::new(None));
    wasm_bindgen_futures::spawn_local({
        let (name, blocked, opened) = (name.clone(), blocked.clone(), opened.clone());
        async move {
            let store = IndexedDbStore::open_waiting(&name, move || blocked.set(blocked.get() + 1)).await;
            *opened.borrow_mut() = Some(store);
        }
    });
    gloo_timers::future::TimeoutFuture::new(300).await;
    assert_eq!(blocked.get(), 1, "the open said it is blocked");
    assert!(opened.borrow().is_none(), "and waits");

    old_tab.close();
    for _ in 0..50 {
        if opened.borrow().is_some() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(50).await;
    }
    let store = opened.borrow_mut().take().expect("the upgrade ran once the old tab let go").unwrap();
    assert_eq!(listed(&store).await, ["from-the-old-build"]);
    assert_eq!(blocked.get(), 1);
}

/// A finished run is stored whole in one transaction: record, detail and model together.
#[wasm_bindgen_test]
async fn a_run_is_stored_whole() {
    let name = fresh_database("whole-run");
    let mut store = IndexedDbStore::open(&name).await.unwrap();
    let record = run("whole", 1_000);
    let detail = RunDetail::empty("whole");
    store.put_run_whole(&record, Some(&detail), Some(r#"{"model": "as written"}"#)).await.unwrap();
    assert_eq!(store.get_run("whole").await.unwrap(), Some(record));
    assert_eq!(store.get_detail("whole").await.unwrap(), Some(detail));
    assert_eq!(store.get_model_json("whole").await.unwrap().as_deref(), Some(r#"{"model": "as written"}"#));
}

fn text_blob(text: &str) -> web_sys::Blob {
    web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&JsValue::from_str(text))).unwrap()
}

async fn blob_text(blob: &web_sys::Blob) -> String {
    wasm_bindgen_futures::JsFuture::from(blob.text()).await.unwrap().as_string().unwrap()
}

/// Keeps a sales file and a join file, replaces the sales file, reads everything back, forgets.
async fn keeper_round_trip(keeper: &impl FileKeeper) -> Vec<String> {
    let (empty, pairs) = keeper.kept().await.unwrap();
    assert_eq!((empty.files.len(), pairs.len()), (0, 0));
    let file = |name: &str, stored_as: &str| KeptFile { name: name.into(), stored_as: stored_as.into(), size: 5.0, fingerprint: None, kept_at_ms: 1.0 };
    let first = KeptFiles::default().with(&[file("train.csv", "a-train.csv"), file("stores.csv", "a-stores.csv")]);
    keeper.replace(&first, &[("a-train.csv".into(), text_blob("sales")), ("a-stores.csv".into(), text_blob("store"))]).await.unwrap();
    // A new train.csv replaces the kept sales file; stores.csv stays, not written again.
    let second = first.with(&[file("train.csv", "b-train.csv")]);
    assert_eq!(second.files.iter().map(|f| f.stored_as.as_str()).collect::<Vec<_>>(), ["a-stores.csv", "b-train.csv"]);
    keeper.replace(&second, &[("b-train.csv".into(), text_blob("newer"))]).await.unwrap();
    let (manifest, pairs) = keeper.kept().await.unwrap();
    assert_eq!(manifest, second);
    let mut texts = Vec::new();
    for (file, blob) in &pairs {
        texts.push(format!("{}={}", file.name, blob_text(blob).await));
    }
    assert_eq!(texts, ["stores.csv=store", "train.csv=newer"]);
    texts
}

#[wasm_bindgen_test]
async fn files_kept_in_indexeddb_come_back_and_are_forgotten() {
    let keeper = InIndexedDb { database: fresh_database("kept-files") };
    keeper_round_trip(&keeper).await;
    let store = IndexedDbStore::open(&keeper.database).await.unwrap();
    let (_, blobs) = store.kept_files().await.unwrap();
    assert_eq!(blobs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["a-stores.csv", "b-train.csv"], "the replaced blob is gone");
    store.close();
    keeper.forget().await.unwrap();
    assert_eq!(keeper.kept().await.unwrap().1.len(), 0);
}

#[wasm_bindgen_test]
async fn files_kept_in_the_opfs_come_back_and_are_forgotten() {
    let keeper = Opfs::open_in(&fresh_database("kept-files")).await.expect("Chromium has the OPFS");
    keeper_round_trip(&keeper).await;
    let mut names = keeper.names().await.unwrap();
    names.sort();
    assert_eq!(names, ["a-stores.csv", "b-train.csv", "manifest.json"], "the replaced file is gone");
    keeper.forget().await.unwrap();
    assert_eq!(keeper.kept().await.unwrap().1.len(), 0);
    assert_eq!(keeper.names().await.unwrap(), Vec::<String>::new());
}
