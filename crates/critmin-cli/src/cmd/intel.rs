//! `critmin intel ingest|list|show|assess|rules|evaluate|alerts|export`:
//! the intelligence store from the command line (`docs/intel.md`).

use super::{DataArgs, Format, Result, print_json};
use crate::output::pct;
use crate::output::{Out, TextTable};
use clap::{Args, Subcommand};
use critmin_app::Context;
use critmin_app::ops::alerts::EvaluateResponse;
use critmin_app::ops::intel::{ExportFormat, ExportRequest, IngestRequest, ListRequest};
use critmin_intel::alert::Alert;
use critmin_intel::event::Tlp;
use critmin_intel::feed::Format as FeedFormat;
use critmin_intel::prepare::Filter;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(crate) enum IntelCommand {
    /// Read feeds (JSON lines, CSV, RSS/Atom, STIX 2.1 bundles, MISP feed
    /// directories) into the store, linked to the dataset's entities. A
    /// malformed file is reported with file:line and nothing of the run is
    /// stored; re-ingesting changes nothing.
    Ingest(IngestArgs),
    /// List or search the stored events, newest first.
    List(ListArgs),
    /// One event, whole.
    Show(ShowArgs),
    /// What the events in force (or the ones named) do to each partner:
    /// their scenario fragments run once and over Monte Carlo futures
    /// against the baseline.
    Assess(AssessArgs),
    /// Store an organisation's alert rules (TOML), or list the stored ones.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Evaluate every organisation's rules on the stored events, raise the
    /// alerts not raised before and deliver those due (run it on a
    /// schedule: cron, a systemd timer). An ingest evaluates the events it
    /// adds or changes by itself.
    Evaluate(EvaluateArgs),
    /// The alerts raised, oldest first.
    Alerts(AlertsArgs),
    /// Write the events a partner may see as a STIX 2.1 bundle or a MISP
    /// feed directory.
    Export(ExportArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum RulesCommand {
    /// Validate a rules file (every problem at file:line) and store it for
    /// its organisation, replacing the one stored.
    Set {
        /// The rules file.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        data: DataArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The stored rules of every organisation.
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Args, Debug)]
pub(crate) struct EvaluateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The time of evaluation, YYYY-MM-DDTHH:MMZ (default: now).
    #[arg(long)]
    pub now: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub(crate) struct AlertsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Only this organisation's alerts.
    #[arg(long)]
    pub org: Option<String>,
    /// Only alerts raised on or after this day (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// stix (one bundle file) or misp-feed (a directory).
    #[arg(long)]
    pub format: String,
    /// The file or directory to write.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// The organisation it is for: only the events it may see under their
    /// TLP markings go in (default: TLP:CLEAR and TLP:GREEN only).
    #[arg(long = "for", value_name = "ORG")]
    pub recipient: Option<String>,
    /// Every event whatever its marking (a backup; a move between your own
    /// stores).
    #[arg(long, conflicts_with = "recipient")]
    pub all: bool,
    /// The bundle's timestamp, YYYY-MM-DDTHH:MMZ (default: now).
    #[arg(long)]
    pub now: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
    /// Output format of the summary.
    #[arg(long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Args, Debug)]
pub(crate) struct AssessArgs {
    /// Events to assess (default: every event in force).
    #[arg(value_name = "EVENT")]
    pub events: Vec<String>,
    /// Assess every event in force (the default when no event is named).
    #[arg(long, conflicts_with = "events")]
    pub all_open: bool,
    #[command(flatten)]
    pub db: DbArgs,
    /// First month of the run, YYYY-MM (default: the latest month an
    /// assessed event takes effect).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Months simulated.
    #[arg(long, default_value_t = critmin_app::ops::intel::AssessRequest::default().horizon_months)]
    pub horizon: u32,
    /// Monte Carlo futures.
    #[arg(long, default_value_t = critmin_app::ops::intel::AssessRequest::default().runs)]
    pub runs: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Partners reported (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub partners: Vec<String>,
    /// Write the assembled scenario to this file.
    #[arg(long, value_name = "FILE")]
    pub write_scenario: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug, Clone)]
pub(crate) struct DbArgs {
    /// The store (default: $XDG_DATA_HOME/critmin/intel.db, else
    /// ~/.local/share/critmin/intel.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct IngestArgs {
    /// Files, directories or http:// URLs on this machine (loopback only).
    #[arg(required = true, value_name = "FILE|DIR|URL")]
    pub inputs: Vec<String>,
    /// The format: auto, jsonl, csv, rss, atom, stix, misp-feed.
    #[arg(long, default_value = "auto")]
    pub format: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// The source's name for items that give none (default: the file's).
    #[arg(long)]
    pub source: Option<String>,
    /// The organisation ingesting (owns the items that name no owner).
    #[arg(long, default_value = "local")]
    pub org: String,
    /// The marking of items that carry none (TLP:CLEAR … TLP:RED).
    #[arg(long, default_value = "TLP:GREEN")]
    pub tlp: String,
    /// Keep only items with any of these keywords (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub keywords: Vec<String>,
    /// Keep only items with any of these categories (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub categories: Vec<String>,
    /// A user alias table (kind,id,alias,lang,note) for linking.
    #[arg(long, value_name = "CSV")]
    pub aliases: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Do not evaluate the stored alert rules on the events added or
    /// changed.
    #[arg(long)]
    pub no_alerts: bool,
    /// The time of that evaluation, YYYY-MM-DDTHH:MMZ (default: now).
    #[arg(long)]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Args, Debug)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Full-text query over titles and texts (SQLite FTS5 syntax).
    #[arg(long)]
    pub text: Option<String>,
    /// Only these kinds (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub kind: Vec<String>,
    /// Only events linked to an entity, `kind:id` (element:Dy,
    /// country:CN, facility:mt_weld, company:lynas_rare_earths).
    #[arg(long)]
    pub entity: Option<String>,
    /// Published on or after (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub(crate) struct ShowArgs {
    /// The event's id (`ev-…`).
    pub id: String,
    #[command(flatten)]
    pub db: DbArgs,
}

pub(crate) fn run(cmd: &IntelCommand, ctx: &Context, out: &mut Out) -> Result {
    match cmd {
        IntelCommand::Ingest(a) => ingest(a, ctx, out),
        IntelCommand::List(a) => list(a, ctx, out),
        IntelCommand::Show(a) => show(a, ctx, out),
        IntelCommand::Assess(a) => assess(a, ctx, out),
        IntelCommand::Rules(c) => rules(c, ctx, out),
        IntelCommand::Evaluate(a) => evaluate(a, ctx, out),
        IntelCommand::Alerts(a) => alerts(a, ctx, out),
        IntelCommand::Export(a) => export(a, ctx, out),
    }
}

fn assess(a: &AssessArgs, ctx: &Context, out: &mut Out) -> Result {
    let mut req = critmin_app::ops::intel::AssessRequest {
        db: a.db.db.clone(),
        events: a.events.clone(),
        as_of: a.as_of.clone(),
        horizon_months: a.horizon,
        runs: a.runs,
        seed: a.seed,
        dataset: a.data.dataset(),
        ..Default::default()
    };
    if !a.partners.is_empty() {
        req.partners = a.partners.clone();
    }
    let env = critmin_app::ops::intel::assess(&req, ctx)?;
    if let Some(p) = &a.write_scenario {
        std::fs::write(p, &env.result.scenario_toml)
            .map_err(|e| critmin_app::AppError::Internal(format!("{}: {e}", p.display())))?;
    }
    if a.format == Format::Json {
        return print_json(&env, out);
    }
    let r = &env.result;
    out.line(&format!(
        "{} event(s) assessed from {} over {} months; {} futures, seed {}; scenario {}",
        r.events.len(),
        r.as_of,
        r.horizon_months,
        r.runs,
        r.seed,
        r.scenario_sha256
    ))?;
    for e in &r.events {
        let sim = if e.fragment.toml.is_empty() {
            "not simulated"
        } else {
            "simulated"
        };
        out.line(&format!("  {} [{}] {} — {sim}", e.id, e.kind, e.title))?;
        for n in &e.fragment.notes {
            out.line(&format!("      {n}"))?;
        }
    }
    let mut t = TextTable::new(
        &[
            "partner",
            "unmet",
            "baseline",
            "added",
            "cover lost, months",
            "peak price index",
            "futures: mean",
            "P5",
            "P50",
            "P95",
        ],
        &[false, true, true, true, true, true, true, true, true, true],
    );
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    for p in &r.partners {
        t.row(vec![
            p.country.clone(),
            pct(p.unmet_share),
            pct(p.baseline_unmet_share),
            pct(p.added_unmet_share),
            format!("{:.1}", p.cover_months_lost),
            format!("{:.2}", p.peak_price_index),
            pct(p.unmet_share_mean),
            pct(p.unmet_share_p5),
            pct(p.unmet_share_p50),
            pct(p.unmet_share_p95),
        ]);
    }
    out.write(&t.render())?;
    out.line(&env.provenance.line())
}

fn ingest(a: &IngestArgs, ctx: &Context, out: &mut Out) -> Result {
    let format = match a.format.as_str() {
        "auto" => None,
        f => Some(FeedFormat::parse(f).ok_or_else(|| {
            critmin_app::AppError::bad(
                "--format",
                format!("`{f}` is not a feed format: {}", FeedFormat::NAMES),
            )
        })?),
    };
    let tlp = Tlp::parse(&a.tlp).ok_or_else(|| {
        critmin_app::AppError::bad(
            "--tlp",
            format!("`{}` is not a marking: {}", a.tlp, Tlp::NAMES),
        )
    })?;
    let env = critmin_app::ops::intel::ingest(
        &IngestRequest {
            inputs: a.inputs.clone(),
            format,
            db: a.db.db.clone(),
            source: a.source.clone(),
            owner: a.org.clone(),
            tlp,
            filter: Filter {
                keywords: a.keywords.clone(),
                categories: a.categories.clone(),
            },
            dataset: a.data.dataset(),
            aliases: a.aliases.clone(),
            alerts: !a.no_alerts,
            now: a.now.clone(),
        },
        ctx,
    )?;
    if a.output == Format::Json {
        return print_json(&env, out);
    }
    let r = &env.result;
    let mut t = TextTable::new(
        &[
            "file",
            "format",
            "items",
            "added",
            "merged",
            "updated",
            "unchanged",
            "filtered",
        ],
        &[false, false, true, true, true, true, true, true],
    );
    for f in &r.files {
        let s = &f.summary;
        t.row(vec![
            f.file.clone(),
            critmin_app::ops::intel::format_name(f.format).to_string(),
            s.items.to_string(),
            s.added.to_string(),
            s.merged.to_string(),
            s.updated.to_string(),
            s.unchanged.to_string(),
            s.filtered.to_string(),
        ]);
    }
    out.write(&t.render())?;
    let s = &r.total;
    out.line(&format!(
        "{}: {} items, {} new events, {} told a stored story again, {} updated, {} unchanged, {} left out by the filter",
        r.db, s.items, s.added, s.merged, s.updated, s.unchanged, s.filtered
    ))?;
    if let Some(ev) = &r.alerts {
        print_evaluation(ev, out)?;
    }
    Ok(())
}

/// An alert in one line, and its impact band.
fn alert_lines(a: &Alert) -> Vec<String> {
    let due = a.due.map(|d| format!(" due {d}")).unwrap_or_default();
    let mut v = vec![format!(
        "ALERT {} [{}] {}{due}: {} ({}, {}, {})",
        a.org,
        a.rule,
        a.event,
        a.title,
        a.severity.as_str(),
        a.tlp,
        a.id
    )];
    for r in &a.reasons {
        v.push(format!("    {r}"));
    }
    for i in &a.impact {
        v.push(format!(
            "    {}: added unmet {}, P5–P95 of unmet {}–{}, cover lost {:.2} months, peak price index {:.2}",
            i.partner,
            pct(i.added_unmet_share),
            pct(i.unmet_share_p5),
            pct(i.unmet_share_p95),
            i.cover_months_lost,
            i.peak_price_index
        ));
    }
    v
}

fn print_evaluation(ev: &EvaluateResponse, out: &mut Out) -> Result {
    for d in ev.delivered.iter().filter(|d| d.to == "stdout") {
        if d.digest {
            out.line(&format!("DIGEST {} ({} alerts)", d.org, d.alerts.len()))?;
        }
        for a in &d.alerts {
            for l in alert_lines(a) {
                out.line(&l)?;
            }
        }
    }
    for b in &ev.below_threshold {
        let band: Vec<String> = b
            .impact
            .iter()
            .map(|i| format!("{} {}", i.partner, pct(i.added_unmet_share)))
            .collect();
        out.line(&format!(
            "below threshold: {} [{}] {} (added unmet {})",
            b.org,
            b.rule,
            b.event,
            band.join(", ")
        ))?;
    }
    for e in &ev.delivery_errors {
        out.line(&format!(
            "delivery failed (kept for the next evaluation): {e}"
        ))?;
    }
    let targets: Vec<String> = ev
        .delivered
        .iter()
        .filter(|d| d.to != "stdout")
        .map(|d| d.to.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    out.line(&format!(
        "alerts at {}: {} events evaluated, {} assessments run, {} raised, {} delivered{}, {} held",
        ev.now,
        ev.events_evaluated,
        ev.assessments_run,
        ev.raised.len(),
        ev.delivered
            .iter()
            .flat_map(|d| d.alerts.iter().map(|a| a.id.as_str()))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        if targets.is_empty() {
            String::new()
        } else {
            format!(" (to stdout and {})", targets.join(", "))
        },
        ev.held
    ))
}

fn rules(c: &RulesCommand, ctx: &Context, out: &mut Out) -> Result {
    let (env, format) = match c {
        RulesCommand::Set {
            file,
            db,
            data,
            format,
        } => (
            critmin_app::ops::alerts::set_rules(
                &critmin_app::ops::alerts::SetRulesRequest {
                    file: file.clone(),
                    db: db.db.clone(),
                    dataset: data.dataset(),
                },
                ctx,
            )?,
            *format,
        ),
        RulesCommand::List { db, format } => (
            critmin_app::ops::alerts::list_rules(db.db.as_deref(), ctx)?,
            *format,
        ),
    };
    if format == Format::Json {
        return print_json(&env, out);
    }
    let mut t = TextTable::new(
        &["org", "rule", "watches", "thresholds", "delivery"],
        &[false; 5],
    );
    for o in &env.result.orgs {
        let to: Vec<String> = if o.rules.deliver.is_empty() {
            vec!["stdout".into()]
        } else {
            o.rules
                .deliver
                .iter()
                .map(|d| match d {
                    critmin_intel::alert::Delivery::Stdout => "stdout".to_string(),
                    critmin_intel::alert::Delivery::Jsonl { path } => format!("jsonl:{path}"),
                    critmin_intel::alert::Delivery::Webhook { url } => format!("webhook:{url}"),
                })
                .collect()
        };
        for r in &o.rules.rules {
            let watches: Vec<String> = [
                &r.elements,
                &r.countries,
                &r.facilities,
                &r.companies,
                &r.projects,
                &r.kinds,
            ]
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| l.join("|"))
            .collect();
            let mut th = Vec::new();
            if let Some(v) = r.unmet_share_above {
                th.push(format!("unmet > {}", pct(v)));
            }
            if let Some(v) = r.cover_lost_months_above {
                th.push(format!("cover lost > {v} months"));
            }
            if let Some(v) = r.price_index_above {
                th.push(format!("price index > {v}"));
            }
            t.row(vec![
                o.org.clone(),
                r.name.clone(),
                watches.join(" & "),
                if th.is_empty() {
                    "none (every watched event)".into()
                } else {
                    format!("{} for {}", th.join(" or "), r.partners.join(","))
                },
                format!(
                    "{}{}",
                    if r.digest { "digest, " } else { "" },
                    to.join(", ")
                ),
            ]);
        }
    }
    out.write(&t.render())?;
    out.line(&format!(
        "{} organisation(s) in {}",
        env.result.orgs.len(),
        env.result.db
    ))
}

fn evaluate(a: &EvaluateArgs, ctx: &Context, out: &mut Out) -> Result {
    let env = critmin_app::ops::alerts::evaluate(
        &critmin_app::ops::alerts::EvaluateRequest {
            db: a.db.db.clone(),
            events: None,
            now: a.now.clone(),
            dataset: a.data.dataset(),
        },
        ctx,
    )?;
    if a.format == Format::Json {
        return print_json(&env, out);
    }
    print_evaluation(&env.result, out)?;
    out.line(&env.provenance.line())
}

fn alerts(a: &AlertsArgs, ctx: &Context, out: &mut Out) -> Result {
    let env = critmin_app::ops::alerts::alerts(
        &critmin_app::ops::alerts::AlertsRequest {
            db: a.db.db.clone(),
            org: a.org.clone(),
            since: a.since.clone(),
        },
        ctx,
    )?;
    if a.format == Format::Json {
        return print_json(&env, out);
    }
    let mut t = TextTable::new(
        &[
            "raised",
            "org",
            "rule",
            "kind",
            "event",
            "title",
            "impact",
            "delivered",
        ],
        &[false; 8],
    );
    for l in &env.result.alerts {
        let a = &l.alert;
        let impact: Vec<String> = a
            .impact
            .iter()
            .map(|i| {
                format!(
                    "{} +{} (P95 {})",
                    i.partner,
                    pct(i.added_unmet_share),
                    pct(i.unmet_share_p95)
                )
            })
            .collect();
        t.row(vec![
            a.raised_at.to_string(),
            a.org.clone(),
            a.rule.clone(),
            match a.due {
                Some(d) => format!("deadline {d}"),
                None => "event".into(),
            },
            a.event.clone(),
            a.title.chars().take(60).collect(),
            impact.join("; "),
            l.delivered_at.clone().unwrap_or_else(|| "held".into()),
        ]);
    }
    out.write(&t.render())?;
    out.line(&format!(
        "{} alert(s) in {}",
        env.result.alerts.len(),
        env.result.db
    ))
}

fn export(a: &ExportArgs, ctx: &Context, out: &mut Out) -> Result {
    let format = match a.format.to_ascii_lowercase().as_str() {
        "stix" => ExportFormat::Stix,
        "misp-feed" | "misp" => ExportFormat::MispFeed,
        f => {
            return Err(critmin_app::AppError::bad(
                "--format",
                format!("`{f}` is not an export format: stix, misp-feed"),
            )
            .into());
        }
    };
    let env = critmin_app::ops::intel::export(
        &ExportRequest {
            db: a.db.db.clone(),
            format,
            out: a.out.clone(),
            recipient: a.recipient.clone(),
            all: a.all,
            now: a.now.clone(),
        },
        ctx,
    )?;
    if a.output == Format::Json {
        return print_json(&env, out);
    }
    let r = &env.result;
    out.line(&format!(
        "{}: {} events written as {}; {} withheld by their markings",
        r.out, r.exported, a.format, r.withheld
    ))
}

fn list(a: &ListArgs, ctx: &Context, out: &mut Out) -> Result {
    let env = critmin_app::ops::intel::list(
        &ListRequest {
            db: a.db.db.clone(),
            text: a.text.clone(),
            kinds: a.kind.clone(),
            entity: a.entity.clone(),
            since: a.since.clone(),
            limit: Some(a.limit),
        },
        ctx,
    )?;
    if a.format == Format::Json {
        return print_json(&env, out);
    }
    let mut t = TextTable::new(
        &[
            "id",
            "published",
            "kind",
            "severity",
            "tlp",
            "title",
            "links",
        ],
        &[false; 7],
    );
    for e in &env.result.events {
        let links: Vec<String> = e.links.iter().map(|l| l.id.clone()).collect();
        let title: String = e.title.chars().take(60).collect();
        t.row(vec![
            e.id.clone(),
            e.published.map(|d| d.to_string()).unwrap_or_default(),
            e.kind.to_string(),
            e.severity.as_str().to_string(),
            e.tlp.to_string(),
            title,
            links.join(" "),
        ]);
    }
    out.write(&t.render())?;
    out.line(&format!(
        "{} event(s) in {}",
        env.result.events.len(),
        env.result.db
    ))
}

fn show(a: &ShowArgs, ctx: &Context, out: &mut Out) -> Result {
    let env = critmin_app::ops::intel::show(&a.id, a.db.db.as_deref(), ctx)?;
    print_json(&env, out)
}
