//! The figures the pages draw, as plotly.js takes them: traces and a layout, serialised to its
//! JSON schema.
//!
//! The pages use a handful of plotly.js's attributes (line and bar traces, their names, modes,
//! dashes and fills, a title and a height). The `plotly` crate types all of plotly.js's
//! schema, and its serialisation code (through erased-serde) was a seventh of the page's
//! WebAssembly; these few types write the same JSON for what the pages draw. The builder
//! methods keep that crate's names (`name`, `mode`, `line`, …).

use serde::Serialize;
use serde_json::Value;

/// A figure: its traces in drawing order and its layout.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plot {
    data: Vec<Trace>,
    layout: Layout,
}

impl Plot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_trace(&mut self, trace: Trace) {
        self.data.push(trace);
    }

    pub fn set_layout(&mut self, layout: Layout) {
        self.layout = layout;
    }

    /// The figure's traces and layout as plotly.js's JSON. A figure holds only strings,
    /// numbers and enums, so it always serialises; a non-finite number is written as `null`,
    /// which plotly.js leaves as a gap.
    pub fn to_json(&self) -> (String, String) {
        (serde_json::to_string(&self.data).unwrap_or_default(), serde_json::to_string(&self.layout).unwrap_or_default())
    }
}

/// One trace: a line (`scatter`) or bars (`bar`) of `y` over `x`.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    #[serde(rename = "type")]
    kind: &'static str,
    x: Value,
    y: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<Mode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<Line>,
    #[serde(rename = "showlegend", skip_serializing_if = "Option::is_none")]
    show_legend: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fill: Option<Fill>,
    #[serde(rename = "fillcolor", skip_serializing_if = "Option::is_none")]
    fill_color: Option<String>,
}

impl Trace {
    /// A line of `y` over `x` (plotly.js's `scatter`).
    pub fn scatter<X: Serialize, Y: Serialize>(x: Vec<X>, y: Vec<Y>) -> Self {
        Self::new("scatter", x, y)
    }

    /// Bars of `y` over `x`.
    pub fn bar<X: Serialize, Y: Serialize>(x: Vec<X>, y: Vec<Y>) -> Self {
        Self::new("bar", x, y)
    }

    fn new<X: Serialize, Y: Serialize>(kind: &'static str, x: Vec<X>, y: Vec<Y>) -> Self {
        fn values<T: Serialize>(values: Vec<T>) -> Value {
            serde_json::to_value(values).unwrap_or(Value::Null)
        }
        Trace { kind, x: values(x), y: values(y), name: None, mode: None, line: None, show_legend: None, fill: None, fill_color: None }
    }

    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    pub fn line(mut self, line: Line) -> Self {
        self.line = Some(line);
        self
    }

    pub fn show_legend(mut self, show: bool) -> Self {
        self.show_legend = Some(show);
        self
    }

    pub fn fill(mut self, fill: Fill) -> Self {
        self.fill = Some(fill);
        self
    }

    pub fn fill_color(mut self, colour: impl Into<String>) -> Self {
        self.fill_color = Some(colour.into());
        self
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub enum Mode {
    #[serde(rename = "lines")]
    Lines,
    #[serde(rename = "lines+markers")]
    LinesMarkers,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DashType {
    Dot,
    Dash,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub enum Fill {
    /// Fills down to the trace drawn before (an interval's band between its bounds).
    #[serde(rename = "tonexty")]
    ToNextY,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Line {
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dash: Option<DashType>,
}

impl Line {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn width(mut self, width: f64) -> Self {
        self.width = Some(width);
        self
    }

    pub fn dash(mut self, dash: DashType) -> Self {
        self.dash = Some(dash);
        self
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Layout {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<Title>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
struct Title {
    text: String,
}

impl Layout {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(Title { text: title.into() });
        self
    }

    pub fn height(mut self, height: usize) -> Self {
        self.height = Some(height);
        self
    }
}
