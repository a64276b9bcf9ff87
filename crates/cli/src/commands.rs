//! The subcommands and how their failures map to exit codes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use shelfcast_core::calendar::parse_iso_date;
use shelfcast_core::contracts::{self, ResultFormat, Suite, ValidationOptions};
use shelfcast_core::features::{build_features_with, model_data, FeatureConfig, FeatureInputs};
use shelfcast_core::ingest::{read_inferred, sha256_hex, FEATURES, STORES, TRAIN};
use shelfcast_core::models::{FitContext, ModelArtifact, ModelKind, ModelSpec, TrainingSet};
use shelfcast_core::pipeline::{self, Clock, InputFile, PipelineConfig, Suites};
use shelfcast_core::split::split_by_date;
use shelfcast_core::{metrics, synthetic, Error, Frame};

use crate::output;

#[derive(Parser)]
#[command(name = "shelfcast", version, about = "Weekly sales forecasting pipeline: contracts, features, split, train, evaluate.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ResultFormatArg {
    Basic,
    Summary,
    Complete,
}

/// A file whose columns `--join` adds to the features.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum JoinArg {
    /// features.csv on (Store, Date): temperature, fuel price, markdowns 1–5, CPI, unemployment.
    Features,
    /// stores.csv on Store: type (as Type_B, Type_C indicators) and size.
    Stores,
}

/// Settings shared by every command that builds features. The extra features are off by
/// default (DESIGN §4's reference figures are without them); each is recorded in the run.
#[derive(clap::Args, Clone)]
struct FeatureArgs {
    /// Forecast horizon in weeks: no feature looks closer than this.
    #[arg(long, default_value_t = 1)]
    horizon: usize,
    /// Join other Kaggle files, comma-separated: features, stores. They are read from the
    /// --data directory (or the sales file's directory) as NAME.csv or NAME.csv.gz.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FILES")]
    join: Vec<JoinArg>,
    /// Add weeks to and from the Super Bowl, Labor Day, Thanksgiving and Christmas.
    #[arg(long)]
    holiday_features: bool,
    /// Add each series' sales mean, median and standard deviation from before the cutoff.
    #[arg(long)]
    series_stats: bool,
    /// Add lag_51, lag_53 (the weeks around lag_52) and the day of the year.
    #[arg(long)]
    seasonal_lags: bool,
    /// Every extra feature: --join features,stores --holiday-features --series-stats --seasonal-lags.
    #[arg(long)]
    all_features: bool,
}

impl FeatureArgs {
    fn config(&self) -> Result<FeatureConfig> {
        let all = self.all_features;
        let config = FeatureConfig {
            horizon: self.horizon,
            seasonal_lags: all || self.seasonal_lags,
            holiday_features: all || self.holiday_features,
            join_features: all || self.join.contains(&JoinArg::Features),
            join_stores: all || self.join.contains(&JoinArg::Stores),
            series_stats: all || self.series_stats,
        };
        config.check()?;
        Ok(config)
    }
}

/// Model choice shared by `run` and `train`.
#[derive(clap::Args, Clone)]
struct ModelArgs {
    /// The model to fit.
    #[arg(long, default_value = "ridge")]
    model: String,
    /// A hyperparameter, `key=value` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Seed for models that draw random numbers.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

impl ModelArgs {
    fn spec(&self) -> Result<ModelSpec> {
        let kind = ModelKind::parse(&self.model)?;
        let params = self
            .params
            .iter()
            .map(|p| {
                p.split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .ok_or_else(|| Error::Params(format!("--param takes key=value, got \"{p}\"")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ModelSpec::new(kind, &params)?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline (on the built-in synthetic sample without --data).
    Run {
        /// Directory with train.csv or train.csv.gz (or the file itself), and features.csv
        /// and stores.csv (plain or .gz) when --join uses them.
        #[arg(long)]
        data: Option<PathBuf>,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        features: FeatureArgs,
        /// First test date, YYYY-MM-DD (default: the latest date minus 38 weeks).
        #[arg(long)]
        cutoff: Option<String>,
        /// Raw data contract (default: the shipped sales suite).
        #[arg(long)]
        suite: Option<PathBuf>,
        /// Feature contract (default: the shipped feature suite).
        #[arg(long)]
        feature_suite: Option<PathBuf>,
        /// Go on when the raw data contract fails (recorded on the run).
        #[arg(long)]
        continue_on_contract_failure: bool,
        /// Experiment name.
        #[arg(long, default_value = shelfcast_core::tracking::DEFAULT_EXPERIMENT)]
        experiment: String,
        /// Directory to keep run records in (one JSON file per run).
        #[arg(long)]
        runs_dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Validate a CSV (types inferred) or an Arrow IPC table against an expectation suite.
    Validate {
        #[arg(long)]
        suite: PathBuf,
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_enum, default_value = "summary")]
        result_format: ResultFormatArg,
        /// Value of the `horizon` evaluation parameter.
        #[arg(long, default_value_t = 1)]
        horizon: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Build the feature table from train.csv into an Arrow IPC file.
    Features {
        /// Directory with train.csv[.gz] (or the file itself), and the files --join uses.
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        features: FeatureArgs,
        /// The split's first test date, YYYY-MM-DD, for --series-stats (default: the latest
        /// date minus 38 weeks); pass the same to `split`.
        #[arg(long)]
        cutoff: Option<String>,
    },
    /// Split a feature table by date into train and test Arrow IPC files.
    Split {
        #[arg(long)]
        features: PathBuf,
        #[arg(long)]
        cutoff: Option<String>,
        #[arg(long)]
        train_out: PathBuf,
        #[arg(long)]
        test_out: PathBuf,
        #[command(flatten)]
        feature_args: FeatureArgs,
    },
    /// Fit a model on a training table and save it as JSON.
    Train {
        #[arg(long)]
        train: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        features: FeatureArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the built-in synthetic sample (train.csv's columns) to a file or stdout.
    Sample {
        /// Where to write it (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Score a saved model on a test table.
    Evaluate {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        test: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// Exit code 1 for a failed data contract, 2 for everything else.
pub fn exit_code_of(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<Error>() {
        Some(Error::ContractFailed { .. }) => 1,
        _ => 2,
    }
}

struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> f64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    }
}

pub fn execute(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run { data, model, features, cutoff, suite, feature_suite, continue_on_contract_failure, experiment, runs_dir, format } => {
            let feature_config = features.config()?;
            let inputs = match data {
                Some(path) => read_inputs(&path, &feature_config)?,
                None => vec![InputFile { name: "train.csv".into(), bytes: synthetic::sample_train_csv(synthetic::DEFAULT_SEED) }],
            };
            let mut suites = Suites::shipped();
            if let Some(path) = suite {
                suites.raw = read_suite(&path)?;
            }
            if let Some(path) = feature_suite {
                suites.features = Some(read_suite(&path)?);
            }
            let config = PipelineConfig {
                experiment,
                model: model.spec()?,
                features: feature_config,
                cutoff: cutoff.as_deref().map(parse_cutoff).transpose()?,
                seed: model.seed,
                continue_on_contract_failure,
            };
            let verbose = format == Format::Text;
            let outcome = pipeline::run(&inputs, &config, &suites, &SystemClock, &mut |event| {
                if verbose {
                    output::print_event(&event);
                }
            });
            if let Some(dir) = runs_dir {
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                let path = dir.join(format!("{}.json", outcome.record.run_id));
                std::fs::write(&path, outcome.record.to_json()).with_context(|| format!("cannot write {}", path.display()))?;
            }
            match format {
                Format::Json => println!("{}", outcome.record.to_json()),
                Format::Text => output::print_run(&outcome),
            }
            match outcome.error {
                Some(error) => Err(error.into()),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Command::Validate { suite, data, result_format, horizon, format } => {
            let suite = read_suite(&suite)?;
            let (frame, digest) = read_any_table(&data)?;
            let options = ValidationOptions {
                result_format: match result_format {
                    ResultFormatArg::Basic => ResultFormat::Basic,
                    ResultFormatArg::Summary => ResultFormat::Summary,
                    ResultFormatArg::Complete => ResultFormat::Complete,
                },
                run_time: Some(shelfcast_core::calendar::format_timestamp_ms(SystemClock.now_ms() as i64)),
                data_fingerprint: Some(digest),
                parameters: [("horizon".to_string(), serde_json::json!(horizon))].into(),
            };
            let result = contracts::validate(&suite, &frame, &options);
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
                Format::Text => output::print_validation(&suite, &result),
            }
            Ok(if result.success { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Features { data, out, features, cutoff } => {
            let config = features.config()?;
            let ingested = pipeline::ingest(&read_inputs(&data, &config)?, &config, &mut |_| {})?;
            let inputs = FeatureInputs {
                store_weeks: ingested.store_weeks.as_ref(),
                stores: ingested.stores.as_ref(),
                cutoff: cutoff.as_deref().map(parse_cutoff).transpose()?,
            };
            let frame = build_features_with(&ingested.sales, &config, &inputs)?;
            write_file(&out, &frame.to_ipc()?)?;
            eprintln!("wrote {} ({} rows × {} columns)", out.display(), frame.num_rows(), frame.num_columns());
            Ok(ExitCode::SUCCESS)
        }
        Command::Split { features, cutoff, train_out, test_out, feature_args } => {
            let frame = read_ipc(&features)?;
            let config = feature_args.config()?;
            let cutoff = cutoff.as_deref().map(parse_cutoff).transpose()?;
            let split = split_by_date(&frame, cutoff, &config.required_lag_column())?;
            write_file(&train_out, &split.train.to_ipc()?)?;
            write_file(&test_out, &split.test.to_ipc()?)?;
            eprintln!(
                "cutoff {}: {} training rows → {}, {} test rows → {}",
                shelfcast_core::calendar::format_date(split.cutoff),
                split.train.num_rows(),
                train_out.display(),
                split.test.num_rows(),
                test_out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Train { train, model, features, out } => {
            let config = features.config()?;
            let data = model_data(&read_ipc(&train)?, &config)?;
            let spec = model.spec()?;
            let mut progress = |_| {};
            let mut ctx = FitContext { seed: model.seed, progress: &mut progress };
            let fitted = spec.fit(TrainingSet { x: &data.x, y: &data.y, weights: &data.weights, time: Some(&data.dates) }, &mut ctx)?;
            write_file(&out, ModelArtifact::new(config, fitted).to_json().as_bytes())?;
            eprintln!("wrote {} ({} fitted on {} rows)", out.display(), spec.kind().name(), data.y.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample { out } => {
            let sample = synthetic::sample_train_csv(synthetic::DEFAULT_SEED);
            match out {
                Some(path) => write_file(&path, &sample)?,
                None => std::io::Write::write_all(&mut std::io::stdout().lock(), &sample).context("cannot write to stdout")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate { model, test, format } => {
            let text = std::fs::read_to_string(&model).with_context(|| format!("cannot read {}", model.display()))?;
            let artifact = ModelArtifact::from_json(&text, &model.display().to_string())?;
            let data = model_data(&read_ipc(&test)?, &artifact.features)?;
            let predicted = artifact.model.predict(&data.x)?;
            let scores = metrics::score(&data.y, &predicted, &data.weights)?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&scores)?),
                Format::Text => output::print_metrics("test", &scores),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse_cutoff(text: &str) -> Result<i32> {
    parse_iso_date(text.as_bytes())
        .ok_or_else(|| Error::Params(format!("--cutoff must be a date YYYY-MM-DD, got \"{text}\"")).into())
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        anyhow::Error::new(Error::input(
            shelfcast_core::Position { file: path.display().to_string(), line: None, column: None, value: None },
            format!("cannot read the file: {e}"),
        ))
    })
}

/// The sales file at `path` (see [`read_train_input`]) and, beside it, the files the
/// feature joins use (plain preferred over .gz). A join file that is not there is left
/// out: the pipeline's error then names it.
fn read_inputs(path: &Path, config: &FeatureConfig) -> Result<Vec<InputFile>> {
    let mut inputs = vec![read_train_input(path)?];
    let dir = if path.is_dir() { path } else { path.parent().unwrap_or(Path::new(".")) };
    for (on, schema) in [(config.join_features, &FEATURES), (config.join_stores, &STORES)] {
        if !on {
            continue;
        }
        let name = schema.file_name;
        let found = [name.to_string(), format!("{name}.gz")].into_iter().map(|n| dir.join(n)).find(|p| p.is_file());
        if let Some(file) = found {
            inputs.push(InputFile { name: file.display().to_string(), bytes: read_bytes(&file)? });
        }
    }
    Ok(inputs)
}

/// train.csv from a directory (plain preferred over .gz) or a file path.
fn read_train_input(path: &Path) -> Result<InputFile> {
    let file = if path.is_dir() {
        ["train.csv", "train.csv.gz"]
            .iter()
            .map(|name| path.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| Error::stage("ingest", format!("no train.csv or train.csv.gz in {}", path.display())))?
    } else {
        path.to_path_buf()
    };
    let bytes = read_bytes(&file)?;
    // Errors name the file as the user wrote it; the schema comes from the file name,
    // and a file passed directly is read as train.csv whatever its name.
    let name = file.display().to_string();
    let name = if shelfcast_core::ingest::schema_for_file(&name) == Some(&TRAIN) { name } else { format!("{name} (as train.csv)") };
    Ok(InputFile { name, bytes })
}

fn read_suite(path: &Path) -> Result<Suite> {
    let bytes = read_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Suite {
        file: path.display().to_string(),
        path: "$".into(),
        message: "the file is not UTF-8 text".into(),
    })?;
    Ok(Suite::from_json(&path.display().to_string(), &text)?)
}

/// A table to validate: Arrow IPC by its magic bytes, else CSV with inferred types.
fn read_any_table(path: &Path) -> Result<(Frame, String)> {
    let bytes = read_bytes(path)?;
    if bytes.starts_with(b"ARROW1") {
        return Ok((Frame::from_ipc(&bytes, &path.display().to_string())?, sha256_hex(&bytes)));
    }
    let table = read_inferred(&path.display().to_string(), &bytes, &mut |_| {})?;
    Ok((table.frame, table.fingerprint.sha256))
}

fn read_ipc(path: &Path) -> Result<Frame> {
    Ok(Frame::from_ipc(&read_bytes(path)?, &path.display().to_string())?)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
