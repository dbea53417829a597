//! Prints a draft filled to every limit with N rows per table, for benchmarks and stress runs:
//! `cargo run --example maximal_draft -- leading_tech industrial_foundation 200 > max.json`
#![allow(clippy::disallowed_methods)] // tests set up their files directly

fn main() {
    let mut args = std::env::args().skip(1);
    let list = args.next().unwrap_or_else(|| "leading_tech".into());
    let domain = args.next().filter(|d| d != "-");
    let rows = args.next().and_then(|r| r.parse().ok()).unwrap_or(200);
    let defs = kczg_form::Definitions::embedded();
    let Some(form) = defs.form(&list) else {
        eprintln!("不认识的榜单：{list}");
        std::process::exit(2);
    };
    print!(
        "{}",
        kczg_form::sample::maximal(&defs, form, domain.as_deref(), rows).to_json()
    );
}
