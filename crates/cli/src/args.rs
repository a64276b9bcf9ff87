//! The command line as typed values: clap parses the arguments once, here, and each
//! subcommand's module receives what it needs already checked (a feature configuration, a
//! model specification, a cutoff as a date).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use shelfcast_core::contracts::ResultFormat;
use shelfcast_core::features::FeatureConfig;
use shelfcast_core::models::{ModelKind, ModelSpec};
use shelfcast_core::Error;

#[derive(Parser)]
#[command(name = "shelfcast", version, about = "Weekly sales forecasting pipeline: contracts, features, split, train, evaluate.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ResultFormatArg {
    Basic,
    Summary,
    Complete,
}

/// A file whose columns `--join` adds to the features.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum JoinArg {
    /// features.csv on (Store, Date): temperature, fuel price, markdowns 1–5, CPI, unemployment.
    Features,
    /// stores.csv on Store: type (as Type_B, Type_C indicators) and size.
    Stores,
}

/// Settings shared by every command that builds features. The extra features are off by
/// default (the reference figures in docs/definitions.md#reference-figures are without them); each is recorded in the run.
#[derive(clap::Args, Clone)]
pub struct FeatureArgs {
    /// Forecast horizon in weeks: no feature looks closer than this.
    #[arg(long, default_value_t = 1)]
    pub horizon: usize,
    /// Join other Kaggle files, comma-separated: features, stores. They are read from the
    /// --data directory (or the sales file's directory) as NAME.csv or NAME.csv.gz.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FILES")]
    pub join: Vec<JoinArg>,
    /// Add weeks to and from the Super Bowl, Labor Day, Thanksgiving and Christmas.
    #[arg(long)]
    pub holiday_features: bool,
    /// Add each series' sales mean, median and standard deviation from before the cutoff
    /// (on by default with `run --model gbdt`, whose best setting it is).
    #[arg(long, conflicts_with = "no_series_stats")]
    pub series_stats: bool,
    /// Leave the series statistics off, also for a model whose default has them (gbdt).
    #[arg(long)]
    pub no_series_stats: bool,
    /// Add lag_51, lag_53 (the weeks around lag_52) and the day of the year.
    #[arg(long)]
    pub seasonal_lags: bool,
    /// Every extra feature: --join features,stores --holiday-features --series-stats --seasonal-lags.
    #[arg(long)]
    pub all_features: bool,
}

impl FeatureArgs {
    /// The feature settings as given.
    pub fn config(&self) -> Result<FeatureConfig> {
        self.config_for(None)
    }

    /// The feature settings for a run of `model`: its best measured switches
    /// ([`ModelKind::wants_series_stats`]) unless the arguments say otherwise.
    pub fn config_for(&self, model: Option<ModelKind>) -> Result<FeatureConfig> {
        let all = self.all_features;
        let series_stats = !self.no_series_stats && (all || self.series_stats || model.is_some_and(ModelKind::wants_series_stats));
        let config = FeatureConfig {
            horizon: self.horizon,
            seasonal_lags: all || self.seasonal_lags,
            holiday_features: all || self.holiday_features,
            join_features: all || self.join.contains(&JoinArg::Features),
            join_stores: all || self.join.contains(&JoinArg::Stores),
            series_stats,
        };
        config.check()?;
        Ok(config)
    }
}

/// Model choice shared by `run` and `train`.
#[derive(clap::Args, Clone)]
pub struct ModelArgs {
    /// The model to fit.
    #[arg(long, default_value = "ridge")]
    pub model: String,
    /// A hyperparameter, `key=value` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Seed for models that draw random numbers.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl ModelArgs {
    pub fn spec(&self) -> Result<ModelSpec> {
        let kind = ModelKind::parse(&self.model)?;
        Ok(ModelSpec::new(kind, &key_values(&self.params)?)?)
    }
}

/// `--param key=value` arguments as pairs.
pub fn key_values(params: &[String]) -> Result<Vec<(String, String)>> {
    Ok(params
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| Error::Params(format!("--param takes key=value, got \"{p}\"")))
        })
        .collect::<Result<Vec<_>, _>>()?)
}

#[derive(Subcommand)]
pub enum Command {
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
        /// The store to keep the run and its model in (a directory; `--runs-dir` is the same).
        #[arg(long, alias = "runs-dir")]
        store: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Forecast every week from an origin over a horizon from data before the origin only,
    /// with a rolling-origin backtest and conformal 80 %/95 % intervals; optionally every row
    /// of a future-weeks file (Kaggle's test.csv) and its submission.
    Forecast(ForecastArgs),
    /// The runs kept in a store.
    Runs {
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// The model registry of a store: register, alias, delete, list.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Score a file with a registered model: a labelled sales file gives metrics (recorded
    /// on the version for monitoring) and a predictions CSV; a future-weeks file (test.csv's
    /// columns) gives Kaggle's submission (Id,Weekly_Sales).
    Predict {
        /// models:/NAME@ALIAS or models:/NAME/VERSION (or models:/NAME/latest).
        #[arg(long)]
        model: String,
        #[arg(long)]
        store: PathBuf,
        /// The file to score (CSV, plain or gzip).
        #[arg(long)]
        score: PathBuf,
        /// Where to write the predictions (the submission for a future-weeks file).
        #[arg(long)]
        out: PathBuf,
        /// Later weeks of sales (a train.csv, or a directory with one) that extend a one-step
        /// model's stored history up to the scored file's first week.
        #[arg(long)]
        data: Option<PathBuf>,
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


#[derive(Subcommand)]
pub enum RunsCommand {
    /// List the runs, newest first, optionally filtered.
    List {
        /// The store `run --store` and `forecast --store` keep runs in.
        #[arg(long, alias = "runs-dir")]
        store: PathBuf,
        /// MLflow's run-search syntax, plus OR and parentheses, e.g.
        /// "params.model = 'gbdt' AND (metrics.test_wmae < 1400 OR tags.best = 'yes')".
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Set a tag of a run (an empty value removes it); tags are searchable (`tags.KEY`).
    Tag {
        run_id: String,
        key: String,
        value: String,
        #[arg(long, alias = "runs-dir")]
        store: PathBuf,
    },
    /// Set a run's note (MLflow's `mlflow.note.content` tag; empty removes it).
    Note {
        run_id: String,
        text: String,
        #[arg(long, alias = "runs-dir")]
        store: PathBuf,
    },
    /// Show one run: its record (JSON with --format json) and whether its model is stored.
    Show {
        run_id: String,
        #[arg(long, alias = "runs-dir")]
        store: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// Register a run's model under a name (created if new); prints the new version.
    Register {
        run_id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        store: PathBuf,
    },
    /// Point an alias (champion, challenger, any name) at a version, moving it if needed.
    Alias {
        name: String,
        alias: String,
        version: u32,
        #[arg(long)]
        store: PathBuf,
    },
    /// Delete a version (and the aliases pointing at it); its number is not reused.
    Delete {
        name: String,
        version: u32,
        #[arg(long)]
        store: PathBuf,
    },
    /// Set the description of a model, or of one version with --version.
    Describe {
        name: String,
        text: String,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        store: PathBuf,
    },
    /// Set a tag of a model, or of one version with --version (an empty value removes it).
    Tag {
        name: String,
        key: String,
        value: String,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        store: PathBuf,
    },
    /// The registered models, their versions, aliases and linked runs.
    List {
        #[arg(long)]
        store: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// `shelfcast forecast`'s arguments.
#[derive(clap::Args)]
pub struct ForecastArgs {
    /// Directory with train.csv or train.csv.gz (or the file itself; the sample without it).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Weeks forecast from the origin, 1–52.
    #[arg(long, default_value_t = 39)]
    pub horizon: usize,
    /// The origin, YYYY-MM-DD: the first forecast week (default: the week after the data
    /// ends with --future, else the latest date minus 38 weeks).
    #[arg(long)]
    pub cutoff: Option<String>,
    /// The forecast method: svd-trend (the default), svd-yearly-naive, yearly-naive,
    /// yearly-mean; or a model (e.g. gbdt) fitted per 13-week horizon band on features at
    /// least as old as the band's last week.
    #[arg(long, default_value = "svd-trend")]
    pub model: String,
    /// A method setting, `key=value` (repeatable), e.g. rank=10.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Backtest windows before the origin (0: none, and no intervals).
    #[arg(long, default_value_t = 3)]
    pub backtest: usize,
    /// Weeks between the backtest windows' origins.
    #[arg(long, default_value_t = 4)]
    pub step: usize,
    /// Seed for a model that draws random numbers.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A future-weeks file (test.csv's columns: Store, Dept, Date, IsHoliday) to forecast.
    #[arg(long)]
    pub future: Option<PathBuf>,
    /// Write Kaggle's submission (Id,Weekly_Sales) for the --future file here.
    #[arg(long, requires = "future")]
    pub submission: Option<PathBuf>,
    /// Write the forecast with its intervals as CSV here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Raw data contract (default: the shipped sales suite).
    #[arg(long)]
    pub suite: Option<PathBuf>,
    /// Go on when the raw data contract fails (recorded on the run).
    #[arg(long)]
    pub continue_on_contract_failure: bool,
    /// Experiment name.
    #[arg(long, default_value = shelfcast_core::tracking::DEFAULT_EXPERIMENT)]
    pub experiment: String,
    /// The store to keep the run and its model in (a directory; `--runs-dir` is the same).
    #[arg(long, alias = "runs-dir")]
    pub store: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

impl ResultFormatArg {
    pub fn format(self) -> ResultFormat {
        match self {
            ResultFormatArg::Basic => ResultFormat::Basic,
            ResultFormatArg::Summary => ResultFormat::Summary,
            ResultFormatArg::Complete => ResultFormat::Complete,
        }
    }
}

/// `--cutoff`, parsed by the core's one cutoff parser.
pub fn cutoff(text: Option<&str>) -> Result<Option<i32>> {
    Ok(text.map(shelfcast_core::cutoff::parse).transpose()?)
}
