//! The throughput-versus-size plot of docs/BENCHMARKS.md.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// Where Debian (and the project's machines) keep a font the plot can use;
/// plotters draws text only with a registered font.
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Draws kernel and Rust-loop throughput against log2(size) into a PNG.
pub fn throughput(points: &[(u32, f64, f64)], path: &Path) -> Result<(), String> {
    let font =
        std::fs::read(FONT).map_err(|e| format!("{FONT}: {e} (install fonts-dejavu-core)"))?;
    let font: &'static [u8] = Box::leak(font.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, font)
        .map_err(|_| format!("{FONT}: not a usable font"))?;

    let (lo, hi) = match (points.first(), points.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => return Err("no points to plot".into()),
    };
    let top = points.iter().map(|p| p.1.max(p.2)).fold(0.0f64, f64::max) * 1.15;
    let root = BitMapBackend::new(path, (800, 480)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption("host platform: simple_mul vs Rust loop", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(lo..hi, 0.0..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("log2(elements)")
        .y_desc("GB/s (12 bytes per element)")
        .draw()
        .map_err(|e| err(&e))?;
    for (label, color, pick) in [
        ("kernel (host platform)", RED, 1usize),
        ("hand-written Rust loop", BLUE, 2usize),
    ] {
        let series = points
            .iter()
            .map(|p| (p.0, if pick == 1 { p.1 } else { p.2 }));
        chart
            .draw_series(LineSeries::new(series, color.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
